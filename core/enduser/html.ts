/** Minimal, escaping HTML rendering for the end-user pages (server-rendered, no script). */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/assets/enduser.css">
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

export const STYLESHEET = `
body{font-family:system-ui,sans-serif;margin:0;background:#f4f5f7;color:#111}
main{max-width:32rem;margin:0 auto;padding:1.5rem}
h1{font-size:1.4rem}
.binding{font-size:1.6rem;font-weight:700;border:2px solid #1a56db;border-radius:.5rem;padding:.75rem;text-align:center;background:#fff}
ul{padding-left:1.2rem}
form{display:flex;gap:.75rem;margin-top:1.5rem}
button{flex:1;font-size:1.1rem;padding:.8rem;border-radius:.5rem;border:0;cursor:pointer}
button.approve{background:#0b6b2b;color:#fff}
button.deny{background:#b42318;color:#fff}
button:focus{outline:3px solid #111;outline-offset:2px}
`;
