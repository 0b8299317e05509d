/**
 * The end-user's texts, one JSON file of `key: text` per locale (`en.json`, `de.json`,
 * `pt-BR.json`). English ships and holds every key; a deployer's `messages/<locale>.json` in
 * `enduser.templatesDir` replaces texts key by key or adds a language. A key a locale lacks
 * falls back to its base language, then to `enduser.defaultLocale`, then to English.
 * Texts may name template variables as `{name}`; templates.ts fills them in.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../config/load.js';

const LOCALE_FILE = /^([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)\.json$/;
export const BASE_LOCALE = 'en';

export type MessageSet = Record<string, string>;

export class Messages {
  private constructor(
    private readonly byLocale: ReadonlyMap<string, MessageSet>,
    private readonly defaultLocale: string,
  ) {}

  /** The deployer's files (`ownDir`, may be null) override the bundled ones key by key. */
  static load(bundledDir: string, ownDir: string | null, defaultLocale: string): Messages {
    const byLocale = new Map<string, MessageSet>();
    for (const dir of ownDir === null ? [bundledDir] : [bundledDir, ownDir]) {
      for (const file of listJson(dir)) {
        const locale = (LOCALE_FILE.exec(file)?.[1] as string).toLowerCase();
        byLocale.set(locale, { ...byLocale.get(locale), ...readMessageFile(join(dir, file)) });
      }
    }
    // The bundled English set names every key there is; a key outside it is a typo.
    const base = readMessageFile(join(bundledDir, `${BASE_LOCALE}.json`));
    const problems: string[] = [];
    for (const [locale, set] of byLocale) {
      for (const key of Object.keys(set)) if (!(key in base)) problems.push(`enduser messages ${locale}: unknown key ${key}`);
    }
    if (!byLocale.has(defaultLocale.toLowerCase())) problems.push(`enduser.defaultLocale: no messages for ${defaultLocale}`);
    if (problems.length) throw new ConfigError(problems);
    return new Messages(byLocale, defaultLocale.toLowerCase());
  }

  has(key: string): boolean {
    return key in (this.byLocale.get(BASE_LOCALE) as MessageSet);
  }

  /** Every text of `key` in every locale (to check the variables they name). */
  variants(key: string): string[] {
    return [...this.byLocale.values()].flatMap((set) => (set[key] === undefined ? [] : [set[key]]));
  }

  /** The best locale for an `Accept-Language` header, by q-value, base language as a fallback. */
  negotiate(acceptLanguage: string | undefined): string {
    const wanted = (acceptLanguage ?? '')
      .split(',')
      .map((part) => {
        const [tag = '', ...params] = part.trim().toLowerCase().split(';');
        const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find(Boolean);
        return { tag: tag.trim(), q: q === undefined ? 1 : Number(q) };
      })
      .filter(({ tag, q }) => tag && q > 0)
      .sort((a, b) => b.q - a.q);
    for (const { tag } of wanted) {
      if (this.byLocale.has(tag)) return tag;
      const language = tag.split('-')[0] as string;
      if (this.byLocale.has(language)) return language;
    }
    return this.defaultLocale;
  }

  /** The raw text of `key` in `locale`, following the fallbacks; `{name}` left as they are. */
  text(locale: string, key: string): string {
    for (const candidate of [locale, locale.split('-')[0] as string, this.defaultLocale, BASE_LOCALE]) {
      const text = this.byLocale.get(candidate)?.[key];
      if (text !== undefined) return text;
    }
    throw new Error(`no message ${key}`);
  }

  /** The text with `{name}` filled from `variables`, for plain-text uses (JSON, titles). */
  format(locale: string, key: string, variables: Record<string, string | number> = {}): string {
    return this.text(locale, key).replace(PLACEHOLDER, (_, name: string) => String(variables[name] ?? ''));
  }
}

export const PLACEHOLDER = /\{(\w+)\}/g;

function listJson(dir: string): string[] {
  try {
    return readdirSync(dir).filter((file) => LOCALE_FILE.test(file));
  } catch (err) {
    throw new ConfigError([`enduser messages directory ${dir} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
}

function readMessageFile(file: string): MessageSet {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError([`enduser messages ${file}: is not valid JSON (${(err as Error).message})`]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) {
    throw new ConfigError([`enduser messages ${file}: must be a JSON object of strings`]);
  }
  return parsed as MessageSet;
}
