/**
 * The interception points of the flow. Each hook has a built-in default (core/hooks/builtins.ts)
 * and may be replaced by a deployer's script; inputs are plain data (no secrets, no hashes),
 * outputs are plain data the caller validates.
 *
 * The shapes are those of scripts/ciba-script.d.ts, the typed API deployers write scripts
 * against: one definition, so the OP and the scripts cannot disagree. (The .d.ts stands alone
 * because deployers' editors read it without this code base.)
 */
import type * as Script from 'ciba-op/script';

export type ClientView = Script.Client;
/** What a hook may know about a user: claims, never password or user-code hashes. */
export type UserView = Script.User;
/** A device the user registered through the device registration endpoint. */
export type DeviceView = Script.Device;
/** Which of the three CIBA hints identified the user (the OP's concern; scripts see only theirs). */
export type HintKind = 'login_hint' | 'login_hint_token' | 'id_token_hint';
export type HookError<Code extends string> = Script.HookError<Code>;
export type SentMessage = Script.SentMessage;

export interface HookInputs {
  resolveLoginHint: Script.ResolveLoginHintContext;
  processLoginHintToken: Script.ProcessLoginHintTokenContext;
  validateUserCode: Script.ValidateUserCodeContext;
  validateBindingMessage: Script.ValidateBindingMessageContext;
  notifyEndUser: Script.NotifyEndUserContext;
}

export interface HookOutputs {
  resolveLoginHint: Script.ResolveLoginHintResult;
  processLoginHintToken: Script.ProcessLoginHintTokenResult;
  validateUserCode: Script.ValidateUserCodeResult;
  validateBindingMessage: Script.ValidateBindingMessageResult;
  notifyEndUser: Script.NotifyEndUserResult;
}

export type HookName = keyof HookInputs;

export interface HookMeta {
  /** The HTTP request that caused the call, for log correlation. */
  requestId: string;
}

export interface HookRunner {
  run<H extends HookName>(hook: H, input: HookInputs[H], meta: HookMeta): Promise<HookOutputs[H]>;
}
