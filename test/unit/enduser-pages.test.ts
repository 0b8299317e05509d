/** End-user pages: deployer templates and locales, the checks made when they load, the link cookie. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../core/config/load.js';
import { clearedLinkCookie, csrfMatches, csrfTokenFor, linkCookie } from '../../core/enduser/link-session.js';
import { Pages } from '../../core/enduser/pages.js';
import type { RequestView } from '../../core/enduser/request-view.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A templates directory holding `files` (paths relative to it). */
function templatesDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ciba-op-templates-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const load = (templates: string | null, defaultLocale = 'en') =>
  Pages.load(loadConfig({ env: {}, overrides: { enduser: { templatesDir: templates, defaultLocale } } }));

const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

const view: RequestView = {
  clientId: 'rp',
  clientName: 'O\'Brien "Bank" <b>',
  logoUri: null,
  scopes: [{ scope: 'openid', description: 'Confirm who you are' }],
  bindingMessage: 'W4SCT',
  expiresAt: 0,
  secondsLeft: 125,
  acr: 'urn:ciba-op:acr:link',
  passwordRequired: false,
};

describe('end-user pages', () => {
  it('escapes every variable, quotes included, and rounds the time left up', () => {
    const html = load(null).review('en', view, { csrf: 'c"srf', problem: null, username: '' });
    expect(html).toContain('O&#39;Brien &quot;Bank&quot; &lt;b&gt; asks you to sign in');
    expect(html).toContain('<title>Sign-in request from O&#39;Brien &quot;Bank&quot; &lt;b&gt;</title>');
    expect(html).toContain('value="c&quot;srf"');
    expect(html).toContain('expires in 3 min');
  });

  it('takes a deployer’s templates and languages, falling back key by key to English', () => {
    const dir = templatesDir({
      'notice.html': '<h1 id="outcome" class="acme">{{title}}</h1><p>{{text}}</p>',
      'messages/de.json': JSON.stringify({ 'notice.deadLink.title': 'Link ungültig', 'review.heading': '{clientName} bittet um Anmeldung' }),
    });
    const pages = load(dir);
    expect(pages.locale('de-CH,de;q=0.9,en;q=0.5')).toBe('de');
    expect(pages.locale('fr-FR, en;q=0.1')).toBe('en');
    expect(pages.locale(undefined)).toBe('en');
    const notice = pages.notice('de', 'deadLink');
    expect(notice).toContain('<html lang="de">');
    expect(notice).toContain('<h1 id="outcome" class="acme">Link ungültig</h1>');
    expect(notice).toContain('It may have expired'); // not translated: English
    expect(pages.review('de', view, { csrf: 'x', problem: null, username: '' })).toContain('bittet um Anmeldung');
    expect(load(dir, 'de').locale('fr')).toBe('de');
  });

  it('refuses at load what would break a page later, naming the file', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ 'notice.html': '<p>{{secret}}</p>' }, /notice\.html: unknown variable \{\{secret\}\}/],
      [{ 'notice.html': '<p>{{@no.such.key}}</p>' }, /notice\.html: unknown message \{\{@no\.such\.key\}\}/],
      [{ 'outcome.html': '{{#approved}}<p>yes</p>' }, /outcome\.html: \{\{#approved\}\} is not closed/],
      [{ 'notice.html': '<p>{{title}</p>' }, /notice\.html: malformed tag/],
      [{ 'messages/en.json': JSON.stringify({ 'review.expires': 'Expires at {expiresAt}' }) }, /message review\.expires names \{expiresAt\}/],
      [{ 'messages/en.json': JSON.stringify({ 'review.typo': 'x' }) }, /enduser messages en: unknown key review\.typo/],
      [{ 'messages/en.json': '{"review.heading": 42}' }, /must be a JSON object of strings/],
    ];
    for (const [files, problem] of cases) expect(problemsOf(() => load(templatesDir(files))).join('\n')).toMatch(problem);
    expect(problemsOf(() => load(null, 'fr'))).toEqual(['enduser.defaultLocale: no messages for fr']);
    expect(problemsOf(() => load('/no/such/dir'))).toEqual(['enduser.templatesDir: /no/such/dir does not exist']);
  });
});

describe('link cookie', () => {
  const config = (issuer: string) => loadConfig({ env: {}, overrides: { issuer } });

  it('is Secure with the __Host- prefix on https, HttpOnly and SameSite=Lax always', () => {
    expect(linkCookie(config('https://op.example.com'), 'tok', 60)).toBe('__Host-ciba-link=tok; Max-Age=60; Path=/; HttpOnly; SameSite=Lax; Secure');
    expect(linkCookie(config('http://localhost:3000'), 'tok', 60)).toBe('ciba-link=tok; Max-Age=60; Path=/; HttpOnly; SameSite=Lax');
    expect(clearedLinkCookie(config('https://op.example.com'))).toMatch(/^__Host-ciba-link=; Max-Age=0;.*Secure$/);
  });

  it('binds the CSRF token to the link token', () => {
    expect(csrfMatches('link-a', csrfTokenFor('link-a'))).toBe(true);
    expect(csrfMatches('link-b', csrfTokenFor('link-a'))).toBe(false);
    expect(csrfMatches('link-a', undefined)).toBe(false);
  });
});
