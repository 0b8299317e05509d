/**
 * Just enough of RFC 6265 for the OP's own cookies: read one from a `Cookie` header, write a
 * `Set-Cookie` value. The OP only ever sets base64url values, so no encoding is needed.
 */

export function readCookie(header: string | undefined, name: string): string | null {
  for (const pair of (header ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return null;
}

export interface CookieAttributes {
  maxAgeSec: number;
  secure: boolean;
  sameSite: 'Strict' | 'Lax';
  path: string;
}

export function setCookie(name: string, value: string, { maxAgeSec, secure, sameSite, path }: CookieAttributes): string {
  return [`${name}=${value}`, `Max-Age=${maxAgeSec}`, `Path=${path}`, 'HttpOnly', `SameSite=${sameSite}`, ...(secure ? ['Secure'] : [])].join('; ');
}
