/**
 * The trusted code every script context runs before the script module is evaluated. It is the
 * only holder of the worker's host functions (isolated-vm sync Callbacks, plain functions in
 * here), kept in closures; no isolated-vm object (Reference, ExternalCopy) reaches the context,
 * so there are none whose methods a script could use to escape (CVE-2021-21413). It
 * captures the built-ins it relies on while they are still pristine, so a script that later
 * patches globals or prototypes changes nothing here; options objects and tables have no
 * prototype, so a polluted Object.prototype cannot add transfer options or entries either.
 *
 * Every entry into the isolate is a synchronous call made by the worker (`applySync` with the
 * CPU `timeout`), and it returns only once the isolate's microtasks are drained: a hook that
 * does not wait on a capability runs to its end inside `invoke`, and code resumed by a
 * capability result runs inside `settle`, under the same timeout. No isolated-vm promise
 * crosses the boundary, which saves two thread hand-offs per call (see README "Per-call cost").
 *
 * It returns `{ invoke, settle, bind }`:
 * - `bind(namespace, hook)` picks the hook export once;
 * - `invoke(callId, inputJson)` starts one call with a fresh, frozen `api` bound to that call
 *   id (its namespaces and functions, frozen too, are made when first read); when the hook settles it reports `(callId, 'ok', json)` or
 *   `(callId, kind, message, stack)` through the report function — plain strings only;
 * - `settle(capId, ok, payload)` hands a capability call its answer (`payload` is the value's
 *   JSON, or the error message) and lets the code waiting on it run.
 * Capability calls go out as `(callId, name, argumentsJson)` through the relay, which answers at
 * once with the capability call's id (a number) or why it is refused (a string). Argument counts
 * and sizes are checked outside.
 *
 * Kept as a string (not a TS function's `toString()`) so no compiler helper can sneak in.
 *
 * evalClosure arguments: $0 the relay function; $1 `[namespace | null, method, dotted name][]`;
 * $2 the report function.
 */
export const BOOTSTRAP_SOURCE = String.raw`
'use strict';
const relay = $0;
const entries = $1;
const report = $2;
const { apply } = Reflect;
const { freeze, create, defineProperty, setPrototypeOf } = Object;
const stringify = JSON.stringify;
const parse = JSON.parse;
const ErrorCtor = Error;
const TypeErrorCtor = TypeError;
const PromiseCtor = Promise;
/** Capability calls waiting for their answer, by id: { resolve, reject, name }. */
const pending = create(null);

delete globalThis.WebAssembly;
delete globalThis.SharedArrayBuffer;
delete globalThis.Atomics;
// Its callbacks would run at GC time, outside any call and any limit's watch.
delete globalThis.FinalizationRegistry;

const messageOf = (e) => {
  try { return e instanceof ErrorCtor ? '' + e.message : '' + e; } catch { return 'unprintable value'; }
};

// JSON.stringify would silently drop functions and symbols; refuse them instead. api itself
// has no own members (they are getters on its prototype) and would pass as {}: refuse it too.
const jsonOnly = (key, value) => {
  const type = typeof value;
  if (type === 'function' || type === 'symbol') throw new TypeErrorCtor('a ' + type + ' is not JSON data');
  if (type === 'object' && value !== null && isApi(value)) throw new TypeErrorCtor('api is not JSON data');
  return value;
};

const forwarder = (callId, name) => freeze(async (...args) => {
  let json;
  try {
    json = stringify(args, jsonOnly);
  } catch (e) {
    throw new TypeErrorCtor('api.' + name + '(): arguments must be JSON data (' + messageOf(e) + ')');
  }
  const capId = apply(relay, undefined, [callId, name, json]);
  if (typeof capId !== 'number') throw new ErrorCtor('api.' + name + '(): ' + capId);
  return new PromiseCtor((resolve, reject) => {
    pending[capId] = { __proto__: null, resolve, reject, name };
  });
});

const settle = (capId, ok, payload) => {
  const waiter = pending[capId];
  if (waiter === undefined) return;
  delete pending[capId];
  if (!ok) {
    waiter.reject(new ErrorCtor('api.' + waiter.name + '(): ' + payload));
    return;
  }
  let value;
  try {
    value = payload === undefined ? undefined : parse(payload);
  } catch (e) {
    waiter.reject(new ErrorCtor('api.' + waiter.name + '(): the answer is not JSON data (' + messageOf(e) + ')'));
    return;
  }
  waiter.resolve(value);
};

// api is built lazily: one frozen object per call, whose members are getters on a shared,
// frozen, null-prototype prototype; a namespace and its forwarders are made on the first read
// of it in that call. Building every forwarder up front cost ~15 µs of a trivial call (most of
// it right after the worker wakes, with cold caches). The call id sits in a private field, so
// the getters answer only for real api objects and nothing can read or forge it; the class
// itself stays in here (its prototype has no constructor).
class Api {
  #callId;
  #made = create(null);
  constructor(callId) {
    this.#callId = callId;
  }
  static is(value) {
    return #callId in value;
  }
  static member(api, top, group) {
    const made = api.#made;
    let member = made[top];
    if (member === undefined) {
      if (group[0][0] === null) {
        member = forwarder(api.#callId, group[0][2]);
      } else {
        member = create(null);
        for (let i = 0; i < group.length; i++) member[group[i][1]] = forwarder(api.#callId, group[i][2]);
        freeze(member);
      }
      made[top] = member;
    }
    return member;
  }
}
const isApi = Api.is;
{
  const member = Api.member;
  const groups = create(null);
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    const top = entry[0] === null ? entry[1] : entry[0];
    if (groups[top] === undefined) groups[top] = [];
    groups[top].push(entry);
  }
  const prototype = Api.prototype;
  delete prototype.constructor;
  for (const top in groups) {
    const group = groups[top];
    const accessor = { __proto__: null, enumerable: true, get() { return member(this, top, group); } };
    freeze(accessor.get);
    defineProperty(prototype, top, accessor);
  }
  setPrototypeOf(prototype, null);
  freeze(prototype);
}
const makeApi = (callId) => freeze(new Api(callId));

let hook;
const bind = (namespace, hookName) => {
  const fn = namespace[hookName];
  if (typeof fn !== 'function') throw new TypeErrorCtor("the script does not export a function named '" + hookName + "'");
  hook = fn;
};

const tell = (callId, kind, text, stack) => {
  try {
    apply(report, undefined, [callId, kind, text, stack]);
  } catch {
    // The host never throws; if the isolate is being torn down there is no one to tell.
  }
};

const run = async (callId, inputJson) => {
  let value;
  try {
    value = await apply(hook, undefined, [inputJson === undefined ? undefined : parse(inputJson), makeApi(callId)]);
  } catch (e) {
    let message;
    let stack;
    try {
      if (e instanceof ErrorCtor) {
        message = e.name + ': ' + e.message;
        stack = '' + e.stack;
      } else {
        message = 'the script threw a non-Error value: ' + e;
      }
    } catch {
      message = 'the script threw an unprintable value';
      stack = undefined;
    }
    tell(callId, 'throw', message, stack);
    return;
  }
  let json;
  try {
    json = stringify(value, jsonOnly);
  } catch (e) {
    tell(callId, 'invalid-result', 'the result is not JSON data (' + messageOf(e) + ')', undefined);
    return;
  }
  tell(callId, 'ok', json, undefined);
};

const invoke = (callId, inputJson) => {
  run(callId, inputJson);
};

return { invoke, settle, bind };
`;
