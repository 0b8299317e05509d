/**
 * The trusted code every script context runs before the script module is evaluated. It is the
 * only holder of the isolated-vm Reference to the worker's capability relay, kept in closures:
 * a script that reached a Reference could use its methods to escape (CVE-2021-21413). It
 * captures the built-ins it relies on while they are still pristine, so a script that later
 * patches globals or prototypes changes nothing here; options objects have no prototype, so
 * a polluted Object.prototype cannot add transfer options either.
 *
 * It returns `{ invoke, bind }`: `bind(namespace, hook)` picks the hook export once;
 * `invoke(callId, input)` runs one call with a fresh, deep-frozen `api` bound to that call id,
 * and answers `{ok: true, json}` or `{ok: false, kind, message, stack}` — plain data only.
 * Capability calls go out as `(callId, name, argumentsJson)` and come back as an envelope,
 * turned here into a value or a thrown Error. Argument counts and sizes are checked outside,
 * which answers with an error envelope.
 *
 * Kept as a string (not a TS function's `toString()`) so no compiler helper can sneak in.
 *
 * evalClosure arguments: $0 the relay Reference; $1 `[namespace | null, method, dotted name][]`.
 */
export const BOOTSTRAP_SOURCE = String.raw`
'use strict';
const relay = $0;
const entries = $1;
const relayApply = relay.apply;
const { apply } = Reflect;
const { freeze, create } = Object;
const stringify = JSON.stringify;
const ErrorCtor = Error;
const TypeErrorCtor = TypeError;
const RELAY_OPTIONS = freeze({
  __proto__: null,
  arguments: freeze({ __proto__: null, copy: true }),
  result: freeze({ __proto__: null, promise: true, copy: true }),
});

delete globalThis.WebAssembly;
delete globalThis.SharedArrayBuffer;
delete globalThis.Atomics;
// Its callbacks would run at GC time, outside any call and any limit's watch.
delete globalThis.FinalizationRegistry;

const messageOf = (e) => {
  try { return e instanceof ErrorCtor ? '' + e.message : '' + e; } catch { return 'unprintable value'; }
};

// JSON.stringify would silently drop functions and symbols; refuse them instead.
const jsonOnly = (key, value) => {
  const type = typeof value;
  if (type === 'function' || type === 'symbol') throw new TypeErrorCtor('a ' + type + ' is not JSON data');
  return value;
};

const forwarder = (callId, name) => freeze(async (...args) => {
  let json;
  try {
    json = stringify(args, jsonOnly);
  } catch (e) {
    throw new TypeErrorCtor('api.' + name + '(): arguments must be JSON data (' + messageOf(e) + ')');
  }
  const envelope = await apply(relayApply, relay, [undefined, [callId, name, json], RELAY_OPTIONS]);
  if (envelope.ok) return envelope.value;
  throw new ErrorCtor('api.' + name + '(): ' + envelope.error);
});

const makeApi = (callId) => {
  const api = create(null);
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    const fn = forwarder(callId, entry[2]);
    if (entry[0] === null) {
      api[entry[1]] = fn;
    } else {
      if (api[entry[0]] === undefined) api[entry[0]] = create(null);
      api[entry[0]][entry[1]] = fn;
    }
  }
  for (const name in api) freeze(api[name]);
  return freeze(api);
};

let hook;
const bind = (namespace, hookName) => {
  const fn = namespace[hookName];
  if (typeof fn !== 'function') throw new TypeErrorCtor("the script does not export a function named '" + hookName + "'");
  hook = fn;
};

const invoke = async (callId, input) => {
  let value;
  try {
    value = await apply(hook, undefined, [input, makeApi(callId)]);
  } catch (e) {
    try {
      if (e instanceof ErrorCtor) return { ok: false, kind: 'throw', message: e.name + ': ' + e.message, stack: '' + e.stack };
      return { ok: false, kind: 'throw', message: 'the script threw a non-Error value: ' + e };
    } catch {
      return { ok: false, kind: 'throw', message: 'the script threw an unprintable value' };
    }
  }
  try {
    return { ok: true, json: stringify(value, jsonOnly) };
  } catch (e) {
    return { ok: false, kind: 'invalid-result', message: 'the result is not JSON data (' + messageOf(e) + ')' };
  }
};

return { invoke, bind };
`;
