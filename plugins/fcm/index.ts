/**
 * Push notifier: Firebase Cloud Messaging HTTP v1 to the end-user's authenticator app, with
 * no Google SDK — a service-account JWT for an OAuth token, then `messages:send`. The app gets
 * a visible notification and, in `data`, what it needs to show the request and open the link.
 */
import type { EndUserMessage, Notifier, NotifierLogger, NotifierOptions, NotifyResult } from '../notifier.js';
import { commonSchema, requireExactlyOne, validateConfig, type Branding } from '../shared/config.js';
import { deliver, NotifyFailure, silentLogger } from '../shared/delivery.js';
import { HttpPoster, httpsUrl, jsonObject } from '../shared/http-post.js';
import { resolveSecret } from '../shared/secrets.js';
import { compileTemplate, templateVariables } from '../shared/template.js';
import { AccessTokenSource } from './access-token.js';
import { fcmFailure } from './fcm-errors.js';
import { serviceAccountFromEnv, serviceAccountSchema, signingKey, type ServiceAccount } from './service-account.js';

export type { ServiceAccount } from './service-account.js';

export interface FcmNotifierConfig {
  /** The service-account key JSON as an object, or ... */
  serviceAccount?: ServiceAccount;
  /** ... the name of an env var holding that JSON. */
  serviceAccountEnv?: string;
  /** Default: the service account's project_id. */
  projectId?: string;
  /** Default: the service account's token_uri, else https://oauth2.googleapis.com/token. */
  tokenUri?: string;
  /** Default https://fcm.googleapis.com. */
  apiBaseUrl?: string;
  ca?: string;
  timeoutMs?: number;
  /** Notification title and body; see shared/template.ts for the variables. */
  titleTemplate?: string;
  bodyTemplate?: string;
  branding?: Partial<Branding>;
}

export const fcmConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    serviceAccount: serviceAccountSchema,
    serviceAccountEnv: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
    projectId: { type: 'string', minLength: 1 },
    tokenUri: { type: 'string', format: 'uri' },
    apiBaseUrl: { type: 'string', format: 'uri', default: 'https://fcm.googleapis.com' },
    ca: commonSchema.ca,
    timeoutMs: commonSchema.timeoutMs,
    titleTemplate: { type: 'string', minLength: 1, default: '{{productName}}: approve sign-in to {{clientName}}?' },
    bodyTemplate: {
      type: 'string',
      minLength: 1,
      default: '{{#bindingMessage}}Code {{bindingMessage}}. {{/bindingMessage}}Tap to review. Expires in {{expiresInMinutes}} min.',
    },
    branding: commonSchema.branding,
  },
} as const;

type ValidConfig = FcmNotifierConfig & {
  apiBaseUrl: string;
  timeoutMs: number;
  titleTemplate: string;
  bodyTemplate: string;
  branding: Branding;
};

const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token';
/** Answers are small JSON; anything longer is not worth reading. */
const MAX_RESPONSE_BYTES = 64 * 1024;

export function createFcmNotifier(config: FcmNotifierConfig, options: NotifierOptions = {}): Notifier {
  const valid = validateConfig<ValidConfig>('fcm', fcmConfigSchema, config);
  const source = requireExactlyOne('fcm', valid, ['serviceAccount', 'serviceAccountEnv']);
  const account =
    source === 'serviceAccount'
      ? valid.serviceAccount!
      : serviceAccountFromEnv(resolveSecret('fcm', valid, 'serviceAccount'), valid.serviceAccountEnv!);
  const now = options.now ?? Date.now;
  const poster = new HttpPoster({ ...(valid.ca ? { ca: valid.ca } : {}), maxResponseBytes: MAX_RESPONSE_BYTES });
  const tokens = new AccessTokenSource({
    clientEmail: account.client_email,
    ...(account.private_key_id ? { keyId: account.private_key_id } : {}),
    key: signingKey(account),
    tokenUri: httpsUrl('fcm', 'tokenUri', valid.tokenUri ?? account.token_uri ?? GOOGLE_TOKEN_URI),
    poster,
    timeoutMs: valid.timeoutMs,
    now,
  });
  const project = encodeURIComponent(valid.projectId ?? account.project_id);
  const sendUrl = new URL(`v1/projects/${project}/messages:send`, httpsUrl('fcm', 'apiBaseUrl', valid.apiBaseUrl));
  const title = compileTemplate('fcm', 'titleTemplate', valid.titleTemplate);
  const body = compileTemplate('fcm', 'bodyTemplate', valid.bodyTemplate);

  const context = {
    channel: 'push' as const,
    logger: options.logger ?? silentLogger,
    timeoutMs: valid.timeoutMs,
    secrets: () => [account.private_key, tokens.current() ?? ''],
  };

  return {
    channel: 'push',
    send(message: EndUserMessage, messageLogger?: NotifierLogger): Promise<NotifyResult> {
      return deliver(context, message, async (signal) => {
        if (message.to.trim() === '') throw new NotifyFailure('invalid_recipient', 'to holds no device token', false);
        const variables = templateVariables(message, valid.branding, now());
        const payload = fcmMessage(message, title(variables), body(variables), now());
        const token = await tokens.get();
        const answer = await poster.post(
          sendUrl,
          { authorization: `Bearer ${token}`, 'content-type': 'application/json; charset=utf-8' },
          JSON.stringify({ message: payload }),
          signal,
        );
        const json = jsonObject(answer.body);
        if (answer.status === 200) return typeof json.name === 'string' ? json.name : undefined;
        if (answer.status === 401) tokens.invalidate();
        throw fcmFailure(answer.status, json);
      }, messageLogger);
    },
    async close() {
      poster.close();
    },
  };
}

/** The v1 `Message`: `data` values must all be strings. */
function fcmMessage(message: EndUserMessage, title: string, body: string, now: number) {
  const expiresAtSec = Math.floor(message.expiresAt / 1000);
  const ttlSec = Math.max(0, Math.floor((message.expiresAt - now) / 1000));
  return {
    token: message.to,
    notification: { title, body },
    data: {
      type: 'ciba.authentication_requested',
      auth_req_id: message.authReqId,
      link: message.link,
      client_id: message.client.id,
      client_name: message.client.name,
      scopes: message.scopes.join(' '),
      expires_at: String(expiresAtSec),
      ...(message.bindingMessage === null ? {} : { binding_message: message.bindingMessage }),
    },
    // A request is pointless once expired: do not let FCM or APNs deliver it later than that.
    android: { priority: 'HIGH', ttl: `${ttlSec}s` },
    apns: { headers: { 'apns-priority': '10', 'apns-expiration': String(expiresAtSec) } },
  };
}
