/**
 * Records are stored deep-frozen and handed out as they are: a read costs no copy, and a caller
 * that tries to change a record it read fails loudly instead of changing the store behind its
 * back. Writes build new frozen objects; frozen parts of the previous record are shared.
 */

/**
 * `value` as a deep-frozen JSON value. A subtree that is already deep-frozen (a part of a stored
 * record) is reused; anything else is copied, never frozen in place: the caller keeps its
 * object mutable. `undefined` members are dropped, as JSON (the file) drops them, so a record
 * reads the same before and after a restart.
 */
export function deepFrozen<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Object.isFrozen(value) && childrenFrozen(value)) return value;
  return frozenCopy(value);
}

function childrenFrozen(value: object): boolean {
  for (const child of Object.values(value)) {
    if (typeof child === 'object' && child !== null && !(Object.isFrozen(child) && childrenFrozen(child))) return false;
  }
  return true;
}

function frozenCopy<T>(value: T & object): T {
  if (Array.isArray(value)) {
    const copy = new Array<unknown>(value.length);
    // JSON writes an undefined array element as null.
    for (let i = 0; i < value.length; i++) copy[i] = deepFrozen(value[i]) ?? null;
    return Object.freeze(copy) as T;
  }
  if (value instanceof Date) {
    throw new TypeError('embedded store: records hold times as epoch milliseconds, not Date objects');
  }
  const members = value as Record<string, unknown>;
  const keys = Object.keys(members).filter((key) => members[key] !== undefined);
  return Object.freeze(builder(keys)(members, deepFrozen)) as T;
}

/**
 * The compact frozen record of `members`, whose values are deep-frozen already (a stored record
 * with an update applied): one copy, no walk.
 */
export function frozenRecord<T extends object>(members: T): T {
  const source = members as Record<string, unknown>;
  return Object.freeze(builder(Object.keys(source))(source, same)) as T;
}

const same = (value: unknown): unknown => value;

type Builder = (source: Record<string, unknown>, member: (value: unknown) => unknown) => Record<string, unknown>;

/**
 * Copies are made by an object literal compiled once per set of member names (a record type's
 * members, in order). V8 keeps a literal's members inside the object and freezing such objects
 * shares one hidden class; a copy made by spread or by assigning members in a loop costs ~3x the
 * memory once frozen (bench: ~330 B against ~900–1100 B per auth request). Member names are
 * quoted with JSON.stringify, so no name can inject code. Past MAX_SHAPES (objects with
 * unforeseeable members, e.g. user claims), copies fall back to assignment.
 */
const builders = new Map<string, Builder>();
const MAX_SHAPES = 512;

function builder(keys: readonly string[]): Builder {
  // JSON, not a separator: with `\0` as one, members named `a\0b` and `a`, `b` would share a copier.
  const shape = JSON.stringify(keys);
  let build = builders.get(shape);
  if (build) return build;
  // In a literal (and in an assignment) `__proto__` would set the prototype, not a member.
  if (keys.includes('__proto__')) return define(keys);
  if (builders.size >= MAX_SHAPES) return assign(keys);
  const members = keys.map((key) => `${JSON.stringify(key)}: member(source[${JSON.stringify(key)}])`);
  build = new Function('source', 'member', `return { ${members.join(', ')} };`) as Builder;
  builders.set(shape, build);
  return build;
}

function assign(keys: readonly string[]): Builder {
  return (source, member) => {
    const copy: Record<string, unknown> = {};
    for (const key of keys) copy[key] = member(source[key]);
    return copy;
  };
}

function define(keys: readonly string[]): Builder {
  return (source, member) => {
    const copy: Record<string, unknown> = {};
    for (const key of keys) Object.defineProperty(copy, key, { value: member(source[key]), enumerable: true, writable: true, configurable: true });
    return copy;
  };
}
