/**
 * The typed API of ciba-op interception scripts.
 *
 * A script is one TypeScript module that exports the hook it implements, by name:
 *
 *   import type { ResolveLoginHint } from 'ciba-op/script';
 *   export const resolveLoginHint: ResolveLoginHint = async (ctx, api) => { … };
 *
 * `ctx` is plain data copied into the sandbox; `api` is the only way out of it. Only type
 * imports from 'ciba-op/script' are allowed: no other module, no `require`, `process`,
 * filesystem, timers or network. Module-level state lives as long as the script version is
 * loaded in a sandbox worker (there are several workers, and a worker may be replaced at any
 * time): use it for caches, never for anything that must persist.
 */
declare module 'ciba-op/script' {
  export interface Client {
    id: string;
    name: string | null;
    logoUri: string | null;
  }

  export interface User {
    sub: string;
    username: string;
    email: string | null;
    phone_number: string | null;
    /** Profile claims: name, given_name, email_verified, custom ones… */
    claims: Record<string, unknown>;
  }

  export interface HookError<Code extends string> {
    error: Code;
    /** Shown to the client: printable ASCII without `"` or `\`, at most 300 characters. */
    error_description?: string;
  }

  // ---- hook contexts and results ----------------------------------------------------------

  /** Called for `login_hint` only: token hints go to processLoginHintToken and the OP's id_token_hint check. */
  export interface ResolveLoginHintContext {
    kind: 'login_hint';
    value: string;
    client: Client;
    scopes: string[];
    acrValues: string[];
  }
  export type ResolveLoginHintResult = { sub: string } | HookError<'unknown_user_id' | 'invalid_request'>;

  export interface ProcessLoginHintTokenContext {
    /** The `login_hint_token` exactly as the client sent it. */
    token: string;
    client: Client;
  }
  /** `sub` is the user's own (as in User), whatever the token carried. */
  export type ProcessLoginHintTokenResult = { sub: string } | HookError<'unknown_user_id' | 'expired_login_hint_token' | 'invalid_request'>;

  export interface ValidateUserCodeContext {
    user: User;
    code: string;
    client: Client;
  }
  export type ValidateUserCodeResult = { ok: true } | HookError<'invalid_user_code'>;

  export interface ValidateBindingMessageContext {
    message: string;
    client: Client;
  }
  export type ValidateBindingMessageResult = { ok: true } | HookError<'invalid_binding_message'>;

  /** A device the user registered (an authenticator app), reached on its channel at `address`. */
  export interface Device {
    id: string;
    name: string;
    /** `push`: `address` is an FCM device token (`api.notify.push`); `webhook`: an https URL (`api.notify.webhook`). */
    channel: 'push' | 'webhook';
    address: string;
  }

  export interface NotifyEndUserContext {
    authReqId: string;
    user: User;
    client: Client;
    scopes: string[];
    acrValues: string[];
    bindingMessage: string | null;
    /** The one-time verification URL: send it to the user, never log it. */
    link: string;
    /** Epoch milliseconds. */
    expiresAt: number;
    /** The user's registered devices, oldest first (at most 10). */
    devices: Device[];
  }
  export interface SentMessage {
    channel: string;
    delivered: boolean;
    providerMessageId?: string;
    error?: string;
  }
  /** If nothing was delivered, the auth request fails and the client is told so. */
  export interface NotifyEndUserResult {
    sent: SentMessage[];
  }

  // ---- the api --------------------------------------------------------------------------

  export type Channel = 'email' | 'sms' | 'push' | 'webhook';

  /** One message to the end-user on one channel. */
  export interface EndUserMessage {
    /** Email address, E.164 phone number, FCM device token or webhook URL, by channel. */
    to: string;
    authReqId: string;
    sub: string;
    client: { id: string; name: string; logoUri?: string };
    scopes: string[];
    bindingMessage: string | null;
    link: string;
    expiresAt: number;
    locale?: string;
  }

  export type NotifyErrorCode =
    | 'invalid_recipient'
    | 'device_unregistered'
    | 'invalid'
    | 'auth_failed'
    | 'rate_limited'
    | 'redirected'
    | 'timeout'
    | 'unreachable'
    | 'provider_error'
    | 'internal';

  /** Failures are results, not exceptions: fall through to the next channel on `delivered: false`. */
  export type NotifyResult =
    | { delivered: true; channel: Channel; providerMessageId?: string }
    | { delivered: false; channel: Channel; error: { code: NotifyErrorCode; message: string; retryable: boolean } };

  export interface HttpResponse {
    status: number;
    contentType: string | null;
    /** Parsed JSON when the response says JSON, else text. */
    body: unknown;
  }

  export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

  /** Failures are results: `expired` (exp passed), `malformed` (not a signed JWT), `invalid` (anything else). */
  export type JwtVerification =
    | { valid: true; header: Record<string, unknown>; claims: Record<string, unknown> }
    | { valid: false; reason: 'malformed' | 'expired' | 'invalid'; message: string };

  /**
   * A fresh object per hook call, bound to that call. Its members are read-only getters on a
   * shared prototype: read them (`api.notify.email(…)`, `const { log } = api`); `Object.keys(api)`
   * and `{ ...api }` see none, and `api` itself is not JSON data.
   */
  export interface Api {
    readonly notify: {
      readonly email: (message: EndUserMessage) => Promise<NotifyResult>;
      readonly sms: (message: EndUserMessage) => Promise<NotifyResult>;
      /** Firebase Cloud Messaging to the user's authenticator app. */
      readonly push: (message: EndUserMessage) => Promise<NotifyResult>;
      readonly webhook: (message: EndUserMessage) => Promise<NotifyResult>;
    };
    readonly users: {
      /** Users whose field (sub, username, email, phone_number) or profile claim equals value; at most 10. */
      readonly find: (claim: string, value: string) => Promise<User[]>;
      /** Whether `code` is the user code stored (hashed) for the user; false when none is set. */
      readonly checkUserCode: (sub: string, code: string) => Promise<boolean>;
    };
    /** Tagged with the script, its version and the request id. */
    readonly log: {
      (message: string): Promise<void>;
      (level: LogLevel, message: string, fields?: Record<string, unknown>): Promise<void>;
    };
    readonly secrets: {
      /** A secret stored for this script (`ciba-op scripts secrets set`), or null. */
      readonly get: (name: string) => Promise<string | null>;
    };
    readonly http: {
      /** JSON POST to a host on `scripts.httpAllowList`; https only, redirects not followed. */
      readonly post: (url: string, body: unknown, options?: { headers?: Record<string, string>; timeoutMs?: number }) => Promise<HttpResponse>;
    };
    readonly jwt: {
      /**
       * Checks a JWT's signature against a client's registered keys (jwks or jwks_uri), with the
       * algorithms the OP accepts for signed requests, and its exp and nbf when present.
       */
      readonly verifyWithClientKeys: (token: string, clientId: string) => Promise<JwtVerification>;
    };
  }

  // ---- hook signatures: annotate your export with one of these ---------------------------

  export type ResolveLoginHint = (ctx: ResolveLoginHintContext, api: Api) => Promise<ResolveLoginHintResult>;
  export type ProcessLoginHintToken = (ctx: ProcessLoginHintTokenContext, api: Api) => Promise<ProcessLoginHintTokenResult>;
  export type ValidateUserCode = (ctx: ValidateUserCodeContext, api: Api) => Promise<ValidateUserCodeResult>;
  export type ValidateBindingMessage = (ctx: ValidateBindingMessageContext, api: Api) => Promise<ValidateBindingMessageResult>;
  export type NotifyEndUser = (ctx: NotifyEndUserContext, api: Api) => Promise<NotifyEndUserResult>;

  export interface Hooks {
    resolveLoginHint: ResolveLoginHint;
    processLoginHintToken: ProcessLoginHintToken;
    validateUserCode: ValidateUserCode;
    validateBindingMessage: ValidateBindingMessage;
    notifyEndUser: NotifyEndUser;
  }
  export type HookName = keyof Hooks;
}
