/**
 * The email's subject, text body and HTML body are template files: the bundled ones in
 * `./templates/`, any of which a deployer replaces by putting a file of the same name in the
 * configured `templatesDir`. A file may be localised by a BCP 47 tag before the extension
 * (`body.de.html`, `subject.de-CH.txt`); a message gets the most specific one for its locale.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NotifierConfigError } from '../shared/config.js';
import { compileTemplate, escapeHtml, type Render } from '../shared/template.js';

const BUNDLED_DIR = fileURLToPath(new URL('./templates/', import.meta.url));

type Part = 'subject' | 'text' | 'html';
const FILE = /^(subject|body)(?:\.([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*))?\.(txt|html)$/;

export type EmailTemplates = (locale: string | undefined) => Record<Part, Render>;

export function loadEmailTemplates(templatesDir: string | undefined): EmailTemplates {
  const found = new Map<string, Render>();
  // The deployer's directory is read second so its files replace the bundled ones.
  for (const dir of templatesDir === undefined ? [BUNDLED_DIR] : [BUNDLED_DIR, templatesDir]) {
    for (const file of listDir(dir)) {
      const match = FILE.exec(file);
      if (!match) continue;
      const [, stem, locale = '', ext] = match;
      const part = stem === 'subject' ? 'subject' : ext === 'html' ? 'html' : 'text';
      if (part === 'subject' && ext !== 'txt') continue;
      found.set(key(part, locale), compile(part, path.join(dir, file)));
    }
  }
  return (locale) => ({ subject: pick(found, 'subject', locale), text: pick(found, 'text', locale), html: pick(found, 'html', locale) });
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (err) {
    throw new NotifierConfigError('email', [`email templates directory ${dir} cannot be read (${(err as NodeJS.ErrnoException).code})`]);
  }
}

function compile(part: Part, file: string): Render {
  const source = readFileSync(file, 'utf8');
  if (part === 'html') return compileTemplate('email', file, source, escapeHtml);
  if (part === 'text') return compileTemplate('email', file, source);
  // A subject is one header line, whatever line breaks the template or a client name holds.
  const render = compileTemplate('email', file, source);
  return (variables) => render(variables).replace(/\s+/g, ' ').trim();
}

function key(part: Part, locale: string): string {
  return `${part}:${locale.toLowerCase()}`;
}

/** `de-CH` → `de-ch`, then `de`, then the unlocalised file (which the bundled set always has). */
function pick(found: Map<string, Render>, part: Part, locale: string | undefined): Render {
  const subtags = (locale ?? '').split('-').filter(Boolean);
  for (let n = subtags.length; n >= 0; n -= 1) {
    const render = found.get(key(part, subtags.slice(0, n).join('-')));
    if (render) return render;
  }
  throw new Error(`no ${part} email template`); // unreachable: the bundled set has every part
}
