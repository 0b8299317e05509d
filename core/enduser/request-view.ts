/**
 * The auth request as the end-user gets to see it, page and app API alike: who asks, for what
 * in plain words, the binding message, the time left and whether a password is needed. Nothing
 * else of the request (user, client notification token, link hash) ever leaves.
 */
import type { OpContext } from '../context.js';
import type { AuthRequestRecord, ClientRecord } from '../store/ports.js';
import { acrFor } from '../ciba/decision.js';
import { passwordRequired } from './authentication.js';
import type { Messages } from './messages.js';

export interface RequestView {
  clientId: string;
  clientName: string;
  /** Only an https logo: the page's CSP allows no other, and plain http would leak the visit. */
  logoUri: string | null;
  scopes: Array<{ scope: string; description: string }>;
  bindingMessage: string | null;
  expiresAt: number;
  secondsLeft: number;
  acr: string;
  passwordRequired: boolean;
}

export function requestView(
  op: OpContext,
  messages: Messages,
  locale: string,
  record: AuthRequestRecord,
  client: ClientRecord | null,
): RequestView {
  const logo = client?.metadata.logo_uri;
  return {
    clientId: record.clientId,
    clientName: client?.metadata.client_name ?? record.clientId,
    logoUri: logo?.startsWith('https://') ? logo : null,
    scopes: record.scope.map((scope) => ({
      scope,
      description: messages.has(`scope.${scope}`) ? messages.text(locale, `scope.${scope}`) : scope,
    })),
    bindingMessage: record.bindingMessage,
    expiresAt: record.expiresAt,
    secondsLeft: Math.max(0, Math.ceil((record.expiresAt - op.now()) / 1000)),
    acr: acrFor(op, record),
    passwordRequired: passwordRequired(op, record),
  };
}
