/**
 * The conditions and updates of core/store/*-queries.ts, evaluated against one record. Those
 * objects are what the MongoDB adapter sends to the server; evaluating the very same objects
 * here keeps the two adapters from drifting apart. Only the small subset of MongoDB's language
 * they use is understood — equality (a `null` also matches a missing member, an array matches
 * when it holds the value), `$in`, `$lt`, `$lte`, `$gt`, `$gte`, dotted paths, `_id` as the
 * record's key; `$set` and `$inc` — and anything else throws, so a new query cannot silently
 * mean something else here.
 */
import { deepFrozen, frozenRecord } from './frozen.js';

export type Filter = Readonly<Record<string, unknown>>;
export type Predicate = (key: string, record: object) => boolean;

/**
 * Compiles once, for scans that test many records against one filter. The common conditions
 * (one top-level member equal to a value, or within a bound) become one flat closure each:
 * the purge and expiry jobs test every record, and layers of closures tripled their cost.
 */
export function compile(filter: Filter): Predicate {
  const tests = Object.keys(filter).map((path) => fieldTest(path, filter[path]));
  if (tests.length === 1) return tests[0]!;
  if (tests.length === 2) {
    const [first, second] = tests as [Predicate, Predicate];
    return (key, record) => first(key, record) && second(key, record);
  }
  return (key, record) => {
    for (const test of tests) if (!test(key, record)) return false;
    return true;
  };
}

export function matches(key: string, record: object, filter: Filter): boolean {
  for (const path of Object.keys(filter)) {
    if (!fieldTest(path, filter[path])(key, record)) return false;
  }
  return true;
}

function fieldTest(path: string, condition: unknown): Predicate {
  const flat = path !== '_id' && !path.includes('.') ? flatTest(path, condition) : undefined;
  if (flat) return flat;
  const read = reader(path);
  const test = valueTest(condition);
  return (key, record) => test(read(key, record));
}

/** The fast forms of fieldTest for a top-level member; undefined for anything else. */
function flatTest(path: string, condition: unknown): Predicate | undefined {
  if (typeof condition === 'string' || typeof condition === 'number' || typeof condition === 'boolean') {
    return (_key, record) => {
      const value = (record as Record<string, unknown>)[path];
      return value === condition || (Array.isArray(value) && value.includes(condition));
    };
  }
  if (!isOperatorObject(condition)) return undefined;
  const ops = Object.keys(condition);
  const bound = condition[ops[0]!];
  if (ops.length !== 1 || (typeof bound !== 'number' && typeof bound !== 'string')) return undefined;
  const compare = COMPARISONS[ops[0]!];
  if (!compare) return undefined;
  const type = typeof bound;
  return (_key, record) => {
    const value = (record as Record<string, unknown>)[path];
    return typeof value === type && compare(value as number, bound as number);
  };
}

const COMPARISONS: Record<string, (value: number, bound: number) => boolean> = {
  $lt: (value, bound) => value < bound,
  $lte: (value, bound) => value <= bound,
  $gt: (value, bound) => value > bound,
  $gte: (value, bound) => value >= bound,
};

function reader(path: string): (key: string, record: object) => unknown {
  if (path === '_id') return (key) => key;
  if (!path.includes('.')) return (_key, record) => (record as Record<string, unknown>)[path];
  const steps = path.split('.');
  return (_key, record) => {
    let value: unknown = record;
    for (const step of steps) {
      if (typeof value !== 'object' || value === null) return undefined;
      value = (value as Record<string, unknown>)[step];
    }
    return value;
  };
}

function isOperatorObject(condition: unknown): condition is Record<string, unknown> {
  if (typeof condition !== 'object' || condition === null || Array.isArray(condition)) return false;
  const keys = Object.keys(condition);
  return keys.length > 0 && keys.every((k) => k.startsWith('$'));
}

function valueTest(condition: unknown): (value: unknown) => boolean {
  if (!isOperatorObject(condition)) {
    if (typeof condition === 'object' && condition !== null) {
      throw new Error('embedded store: equality on an object or array is not supported');
    }
    return (value) => equals(value, condition);
  }
  const tests = Object.keys(condition).map((op) => operatorTest(op, condition[op]));
  return (value) => tests.every((test) => test(value));
}

function operatorTest(op: string, operand: unknown): (value: unknown) => boolean {
  switch (op) {
    case '$in': {
      const options = operand as readonly unknown[];
      return (value) => options.some((option) => equals(value, option));
    }
    // MongoDB compares only within a type: a number never ranges against a string or null.
    case '$lt':
      return (value) => comparable(value, operand) && (value as number) < (operand as number);
    case '$lte':
      return (value) => comparable(value, operand) && (value as number) <= (operand as number);
    case '$gt':
      return (value) => comparable(value, operand) && (value as number) > (operand as number);
    case '$gte':
      return (value) => comparable(value, operand) && (value as number) >= (operand as number);
    default:
      throw new Error(`embedded store: query operator ${op} is not supported`);
  }
}

function comparable(value: unknown, operand: unknown): boolean {
  const type = typeof operand;
  return (type === 'number' || type === 'string') && typeof value === type;
}

function equals(value: unknown, expected: unknown): boolean {
  if (value === expected) return true;
  if (expected === null) return value === undefined;
  return Array.isArray(value) && value.includes(expected);
}

export interface Update {
  $set?: Readonly<Record<string, unknown>>;
  $inc?: Readonly<Record<string, number>>;
}

/**
 * A new frozen record: `record` with the update applied (top-level members only). The members
 * it does not touch are shared with `record`, which is frozen already.
 */
export function applyUpdate<T extends object>(record: T, update: Update): T {
  for (const op of Object.keys(update)) {
    if (op !== '$set' && op !== '$inc') throw new Error(`embedded store: update operator ${op} is not supported`);
  }
  const next: Record<string, unknown> = { ...(record as Record<string, unknown>) };
  const set = update.$set ?? {};
  for (const field of Object.keys(set)) {
    if (field.includes('.')) throw new Error('embedded store: $set of a dotted path is not supported');
    if (set[field] === undefined) delete next[field];
    else next[field] = deepFrozen(set[field]);
  }
  const inc = update.$inc ?? {};
  for (const field of Object.keys(inc)) next[field] = ((next[field] as number | undefined) ?? 0) + inc[field]!;
  return frozenRecord(next) as T;
}
