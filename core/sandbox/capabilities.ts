/**
 * The capabilities a script's `api` offers, by dotted name (`api.notify.email` is
 * `notify.email`), with the argument counts each accepts. The in-isolate bootstrap builds
 * `api` from this table, and the supervisor checks every call against it again, since it is
 * the boundary that must hold even if a worker process were subverted. What the arguments
 * must look like is the CapabilityHost's business.
 */

export const CAPABILITY_ARITY = {
  'notify.email': [1, 1],
  'notify.sms': [1, 1],
  'notify.push': [1, 1],
  'notify.webhook': [1, 1],
  'users.find': [2, 2],
  // api.users.checkUserCode(sub, code): the built-in's check, for scripts that add to it
  'users.checkUserCode': [2, 2],
  // api.log(level?, message, fields?)
  log: [1, 3],
  'secrets.get': [1, 1],
  // api.http.post(url, body, options?)
  'http.post': [2, 3],
  // api.jwt.verifyWithClientKeys(token, clientId)
  'jwt.verifyWithClientKeys': [2, 2],
} as const satisfies Record<string, readonly [number, number]>;

export type CapabilityName = keyof typeof CAPABILITY_ARITY;

/** Why a capability call is malformed, or null when its name and argument count are fine (the script adds `api.<name>(): `). */
export function capabilityCallProblem(capability: string, args: unknown): string | null {
  if (!Object.hasOwn(CAPABILITY_ARITY, capability)) return `unknown capability '${capability}'`;
  const [min, max] = CAPABILITY_ARITY[capability as CapabilityName];
  if (!Array.isArray(args)) return 'arguments must be a list';
  if (args.length < min || args.length > max) {
    return `takes ${min === max ? min : `${min} to ${max}`} argument(s), got ${args.length}`;
  }
  return null;
}

/** Refusal for a capability call whose hook call is over (deadline, or left-over promise chains). */
export const CALL_ENDED = 'the hook call it belongs to has ended';

/** Refusal once a hook call has used up its capability calls, or null while it has not. */
export function capabilityBudgetProblem(callsSoFar: number, limit: number): string | null {
  return callsSoFar > limit ? `more than ${limit} capability calls in one hook call` : null;
}
