/**
 * Secondary indexes of a collection: each maps a member's value to the keys of the records
 * holding it. A collection updates an index only when a write changes the indexed member, so
 * the frequent writes (poll bookkeeping, leases) touch none. `undefined` is never indexed.
 */
import { DuplicateKeyError } from '../ports.js';

export interface Index {
  readonly field: string;
  add(key: string, value: unknown): void;
  remove(key: string, value: unknown): void;
}

/** At most one record per value; the collection checks `owner` before any write. */
export class UniqueIndex implements Index {
  private readonly keys = new Map<unknown, string>();

  constructor(readonly field: string) {}

  owner(value: unknown): string | undefined {
    return this.keys.get(value);
  }

  /** Throws when another record than `key` holds `value`. */
  check(collection: string, key: string, value: unknown): void {
    if (value === undefined) return;
    const owner = this.keys.get(value);
    if (owner !== undefined && owner !== key) throw new DuplicateKeyError(collection);
  }

  add(key: string, value: unknown): void {
    if (value !== undefined) this.keys.set(value, key);
  }

  remove(key: string, value: unknown): void {
    if (this.keys.get(value) === key) this.keys.delete(value);
  }
}

/**
 * Any number of records per value. Most values have one record (a grant's tokens, a user's
 * devices are few), so a single key is kept as it is and a Set only made for a second one.
 */
export class MultiIndex implements Index {
  private readonly keys = new Map<unknown, string | Set<string>>();

  constructor(readonly field: string) {}

  lookup(value: unknown): Iterable<string> {
    const found = this.keys.get(value);
    if (found === undefined) return [];
    return typeof found === 'string' ? [found] : found;
  }

  add(key: string, value: unknown): void {
    if (value === undefined) return;
    const found = this.keys.get(value);
    if (found === undefined) this.keys.set(value, key);
    else if (typeof found === 'string') {
      if (found !== key) this.keys.set(value, new Set([found, key]));
    } else found.add(key);
  }

  remove(key: string, value: unknown): void {
    const found = this.keys.get(value);
    if (found === undefined) return;
    if (typeof found === 'string') {
      if (found === key) this.keys.delete(value);
      return;
    }
    found.delete(key);
    if (found.size === 1) this.keys.set(value, found.values().next().value!);
  }
}

/**
 * Records ordered by a numeric member (then by key), for walks in that order that stop early:
 * the outbox claim takes the first due entries without sorting the outbox. Two sorted parallel
 * arrays and binary search: an insert or removal is a memmove of the arrays' tail, a few
 * microseconds for tens of thousands of entries, and the common cases — new entries due now,
 * delivered ones leaving from the front region — stay cheap without a tree's bookkeeping.
 */
export class OrderedIndex implements Index {
  private readonly values: number[] = [];
  private readonly keys: string[] = [];

  constructor(readonly field: string) {}

  /** Keys in ascending order of the member, while it is ≤ `max`. Collect before writing: a write may move entries. */
  *upTo(max: number): Generator<string> {
    for (let i = 0; i < this.values.length && this.values[i]! <= max; i++) yield this.keys[i]!;
  }

  add(key: string, value: unknown): void {
    if (typeof value !== 'number') return;
    const at = this.position(key, value);
    this.values.splice(at, 0, value);
    this.keys.splice(at, 0, key);
  }

  remove(key: string, value: unknown): void {
    if (typeof value !== 'number') return;
    const at = this.position(key, value);
    if (this.keys[at] === key && this.values[at] === value) {
      this.values.splice(at, 1);
      this.keys.splice(at, 1);
    }
  }

  /** The first position whose (value, key) is not below (value, key). */
  private position(key: string, value: number): number {
    let low = 0;
    let high = this.values.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const v = this.values[mid]!;
      if (v < value || (v === value && this.keys[mid]! < key)) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
