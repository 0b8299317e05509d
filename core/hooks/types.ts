/**
 * The interception points of the flow. Each hook has a built-in default (core/hooks/builtins.ts)
 * and may be replaced by a deployer's script; inputs are plain data (no secrets, no hashes),
 * outputs are plain data the caller validates.
 */

export interface ClientView {
  id: string;
  name: string | null;
  logoUri: string | null;
}

/** What a hook may know about a user: claims, never password or user-code hashes. */
export interface UserView {
  sub: string;
  username: string;
  email: string | null;
  phone_number: string | null;
  claims: Record<string, unknown>;
}

/** A device the user registered through the device registration endpoint. */
export interface DeviceView {
  id: string;
  name: string;
  /** `push`: `address` is an FCM device token; `webhook`: an https URL. */
  channel: 'push' | 'webhook';
  address: string;
}

export type HintKind = 'login_hint' | 'login_hint_token' | 'id_token_hint';

export interface HookError<Code extends string> {
  error: Code;
  error_description?: string;
}

export interface HookInputs {
  /** Only for `login_hint`: token hints go to processLoginHintToken and the OP's id_token_hint check. */
  resolveLoginHint: { kind: 'login_hint'; value: string; client: ClientView; scopes: string[]; acrValues: string[] };
  /** The `login_hint_token` as sent, and the client that sent it. */
  processLoginHintToken: { token: string; client: ClientView };
  validateUserCode: { user: UserView; code: string; client: ClientView };
  validateBindingMessage: { message: string; client: ClientView };
  notifyEndUser: {
    authReqId: string;
    user: UserView;
    client: ClientView;
    scopes: string[];
    acrValues: string[];
    bindingMessage: string | null;
    /** The one-time verification URL: a secret, never logged. */
    link: string;
    expiresAt: number;
    /** The user's registered devices, oldest first; the built-in notifies them before any channel. */
    devices: DeviceView[];
  };
}

export interface SentMessage {
  channel: string;
  delivered: boolean;
  providerMessageId?: string;
  error?: string;
}

export interface HookOutputs {
  resolveLoginHint: { sub: string } | HookError<'unknown_user_id' | 'invalid_request'>;
  processLoginHintToken: { sub: string } | HookError<'unknown_user_id' | 'expired_login_hint_token' | 'invalid_request'>;
  validateUserCode: { ok: true } | HookError<'invalid_user_code'>;
  validateBindingMessage: { ok: true } | HookError<'invalid_binding_message'>;
  notifyEndUser: { sent: SentMessage[] };
}

export type HookName = keyof HookInputs;

export interface HookMeta {
  /** The HTTP request that caused the call, for log correlation. */
  requestId: string;
}

export interface HookRunner {
  run<H extends HookName>(hook: H, input: HookInputs[H], meta: HookMeta): Promise<HookOutputs[H]>;
}
