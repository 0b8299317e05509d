/**
 * Headers every response carries. Nothing the OP answers may be cached unless a route says so
 * (tokens, codes and pages with secrets, RFC 6749 §5.1); HTML gets a script-free CSP.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

const HTML_POLICY = [
  "default-src 'none'",
  "style-src 'self'",
  "img-src 'self' https:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** An onSend hook in callback style (it runs on every response; see core/http/app.ts). */
export function securityHeaders(_request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, payload: unknown) => void): void {
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  if (!reply.hasHeader('cache-control')) {
    reply.header('cache-control', 'no-store');
    reply.header('pragma', 'no-cache');
  }
  const type = reply.getHeader('content-type');
  if (typeof type === 'string' && type.startsWith('text/html')) {
    reply.header('content-security-policy', HTML_POLICY);
    reply.header('x-frame-options', 'DENY');
  }
  done(null, payload);
}
