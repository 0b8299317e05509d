/**
 * The browser side of a verification link. Opening the link moves its token from the URL into a
 * cookie and redirects to a clean `/verify`, so the token leaves the address bar, the history and
 * any screenshot. Because a cookie travels by itself, every POST must also carry a CSRF token;
 * it is derived from the link token (one-way), so it names the very request the page showed:
 * when another link replaced the cookie meanwhile, the older page's form is refused rather than
 * deciding a request the user never saw.
 *
 * The cookie is HttpOnly, `Secure` unless the issuer is plain http (devMode), and SameSite=Lax:
 * Strict would not be sent after the redirect when the link was opened from a mail or
 * messaging app (a cross-site navigation), and Lax still keeps it off cross-site POSTs.
 */
import type { FastifyRequest } from 'fastify';
import type { Config } from '../config/types.js';
import { digest, safeEqual } from '../oauth/secrets.js';
import { readCookie, setCookie } from './cookies.js';

function secure(config: Config): boolean {
  return config.issuer.startsWith('https://');
}

/** `__Host-` makes browsers insist on Secure, Path=/ and no Domain; plain http cannot have it. */
function cookieName(config: Config): string {
  return secure(config) ? '__Host-ciba-link' : 'ciba-link';
}

export function linkCookie(config: Config, linkToken: string, maxAgeSec: number): string {
  return setCookie(cookieName(config), linkToken, { maxAgeSec, secure: secure(config), sameSite: 'Lax', path: '/' });
}

export function clearedLinkCookie(config: Config): string {
  return setCookie(cookieName(config), '', { maxAgeSec: 0, secure: secure(config), sameSite: 'Lax', path: '/' });
}

export function linkTokenFrom(request: FastifyRequest, config: Config): string | null {
  const token = readCookie(request.headers.cookie, cookieName(config));
  return token ? token : null;
}

export function csrfTokenFor(linkToken: string): string {
  return digest(`csrf:${linkToken}`);
}

export function csrfMatches(linkToken: string, presented: string | undefined): boolean {
  return presented !== undefined && safeEqual(presented, csrfTokenFor(linkToken));
}
