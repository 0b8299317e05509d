/**
 * One collection of the embedded store: records in a Map by their natural key, the secondary
 * indexes its lookups need, and (on files) its journal.
 *
 * Every write method is synchronous: a repository reads, checks and writes with no `await` in
 * between, and since JavaScript runs one thing at a time, that is one atomic check-and-set. The
 * repository then awaits `written()`/`durable()` before answering, so an acknowledged write is in
 * the file. Stored records are deep-frozen and returned as they are (see frozen.ts).
 *
 * Memory changes before the file does. Should an append fail (disk full), the writers of that
 * batch get the error while the Map already holds their change; the next compaction writes it
 * (or fails alike and says so).
 */
import { DuplicateKeyError } from '../ports.js';
import { deepFrozen } from './frozen.js';
import { MultiIndex, OrderedIndex, UniqueIndex, type Index } from './indexes.js';
import { deletionLine, loadFile, recordLine, type Journal } from './journal.js';
import { applyUpdate, compile, matches, type Filter, type Update } from './match.js';

export interface IndexSpec {
  field: string;
  /** unique: one record per value; lookup: equality lookups; ordered: walks in numeric order. */
  kind: 'unique' | 'lookup' | 'ordered';
}

const RESOLVED = Promise.resolve();

export class Collection<T extends object> {
  private readonly records = new Map<string, T>();
  private readonly indexes: Index[] = [];
  private readonly unique = new Map<string, UniqueIndex>();
  private readonly lookups = new Map<string, MultiIndex>();
  private readonly ordered = new Map<string, OrderedIndex>();
  private loading: Promise<void> | undefined;

  constructor(
    readonly name: string,
    specs: readonly IndexSpec[],
    private readonly journal?: Journal,
  ) {
    for (const { field, kind } of specs) {
      const index = kind === 'unique' ? new UniqueIndex(field) : kind === 'lookup' ? new MultiIndex(field) : new OrderedIndex(field);
      this.indexes.push(index);
      if (index instanceof UniqueIndex) this.unique.set(field, index);
      else if (index instanceof MultiIndex) this.lookups.set(field, index);
      else this.ordered.set(field, index);
    }
  }

  /** Replays the file (once: init() may be called again) and compacts it if that changes it. */
  load(warn: (message: string) => void): Promise<void> {
    this.loading ??= this.loadOnce(warn);
    return this.loading;
  }

  private async loadOnce(warn: (message: string) => void): Promise<void> {
    const journal = this.journal;
    if (!journal) return;
    // A copy, not the parsed object frozen in place: the copy gets the compact layout (frozen.ts).
    const { records, garbage } = await loadFile(journal.file, ({ _id, ...record }) => deepFrozen(record) as T, warn);
    for (const [key, record] of records) {
      try {
        this.commit(key, record, false);
      } catch (err) {
        if (err instanceof DuplicateKeyError) throw new Error(`embedded store: ${journal.file}: two records share a unique ${this.name} value (record ${key})`);
        throw err;
      }
    }
    await journal.open();
    if (garbage) await this.compact();
  }

  // ——— reads ———

  get(key: string): T | undefined {
    return this.records.get(key);
  }

  has(key: string): boolean {
    return this.records.has(key);
  }

  entries(): IterableIterator<[string, T]> {
    return this.records.entries();
  }

  /** The record holding `value` in a unique-indexed member. */
  getUnique(field: string, value: unknown): T | undefined {
    const key = this.uniqueIndex(field).owner(value);
    return key === undefined ? undefined : this.records.get(key);
  }

  /**
   * Records matching `filter` (match.ts), at most `limit`, in no particular order. Looked up by
   * `_id` or an indexed member the filter pins to one value, else a scan.
   */
  find(filter: Filter, limit = Infinity): [string, T][] {
    const test = compile(filter);
    const found: [string, T][] = [];
    if (limit <= 0) return found;
    const keys = this.indexed(filter);
    if (keys === undefined) {
      // A scan walks the Map's own entries: ~3x faster than its keys and a get() each.
      for (const [key, record] of this.records) {
        if (test(key, record) && found.push([key, record]) >= limit) break;
      }
      return found;
    }
    for (const key of keys) {
      const record = this.records.get(key);
      if (record !== undefined && test(key, record) && found.push([key, record]) >= limit) break;
    }
    return found;
  }

  /** The keys an index narrows `filter` to, or undefined when only a scan can answer it. */
  private indexed(filter: Filter): Iterable<string> | undefined {
    const id = filter._id;
    if (typeof id === 'string') return [id];
    for (const field of Object.keys(filter)) {
      const value = filter[field];
      if (typeof value === 'object' && value !== null) continue; // an operator, not one value
      const unique = this.unique.get(field);
      if (unique) {
        const owner = unique.owner(value);
        return owner === undefined ? [] : [owner];
      }
      const lookup = this.lookups.get(field);
      if (lookup) return lookup.lookup(value);
    }
    return undefined;
  }

  /** How many records match `filter`, without collecting them. */
  count(filter: Filter): number {
    const test = compile(filter);
    let count = 0;
    for (const [key, record] of this.records) if (test(key, record)) count += 1;
    return count;
  }

  /**
   * Keys in ascending order of an ordered member, while it is ≤ `max`. A live walk of the index,
   * so a caller can stop early without visiting every key: collect what you need before writing
   * to this collection.
   */
  keysUpTo(field: string, max: number): Generator<string> {
    const index = this.ordered.get(field);
    if (!index) throw new Error(`embedded store: ${this.name}.${field} has no ordered index`);
    return index.upTo(max);
  }

  // ——— writes: synchronous, then await written() ———

  /** Fails with DuplicateKeyError on an existing key or a taken unique value, changing nothing. */
  insert(key: string, record: T): T {
    if (this.records.has(key)) throw new DuplicateKeyError(this.name);
    return this.set(key, record);
  }

  /** All or nothing: checks every key and unique value before storing the first record. */
  insertAll(entries: readonly (readonly [string, T])[]): void {
    const keys = new Set<string>();
    for (const [key, record] of entries) {
      if (this.records.has(key) || keys.has(key)) throw new DuplicateKeyError(this.name);
      keys.add(key);
      this.checkUnique(key, record);
    }
    if (this.unique.size > 0 && entries.length > 1) {
      for (const index of this.unique.values()) {
        const values = entries.map(([, r]) => (r as Record<string, unknown>)[index.field]).filter((v) => v !== undefined);
        if (new Set(values).size < values.length) throw new DuplicateKeyError(this.name);
      }
    }
    for (const [key, record] of entries) this.set(key, record);
  }

  /** Inserts or replaces; fails with DuplicateKeyError on a unique value another record holds. Returns the stored record. */
  set(key: string, record: T): T {
    const stored = deepFrozen(record);
    this.commit(key, stored, true);
    return stored;
  }

  /**
   * One conditional update: the record under `key`, if there is one and it matches `filter`,
   * gets `update`. Returns the stored record, or null when nothing was changed.
   */
  update(key: string, update: Update, filter?: Filter): T | null {
    const current = this.records.get(key);
    if (!current || (filter && !matches(key, current, filter))) return null;
    // applyUpdate's result is deep-frozen already: stored without set()'s check of that.
    const stored = applyUpdate(current, update);
    this.commit(key, stored, true);
    return stored;
  }

  delete(key: string): boolean {
    return this.commit(key, undefined, true);
  }

  /** Deletes the records `test` picks; returns how many. */
  deleteWhere(test: (record: T, key: string) => boolean): number {
    let count = 0;
    for (const [key, record] of this.records) {
      if (test(record, key)) {
        this.commit(key, undefined, true);
        count += 1;
      }
    }
    return count;
  }

  /** Settles once every write made so far is in the file (at once in memory). */
  written(): Promise<void> {
    return this.journal?.written() ?? RESOLVED;
  }

  /** `value`, once every write made so far is in the file. */
  async durable<R>(value: R): Promise<R> {
    await this.written();
    return value;
  }

  /** Rewrites the file to the live records, if anything was written since the last time. */
  compactIfDirty(): Promise<void> {
    return this.journal?.dirty ? this.compact() : RESOLVED;
  }

  async close(): Promise<void> {
    if (!this.journal) return;
    try {
      await this.compactIfDirty();
    } finally {
      // A failed compaction leaves the appended file, which loads as well; the handle must close.
      await this.journal.close();
    }
  }

  private compact(): Promise<void> {
    // Records are immutable: the Map's entries now are the snapshot, serialised while written.
    return this.journal!.compact(() => {
      const entries = [...this.records];
      return (function* lines() {
        for (const [key, record] of entries) yield recordLine(key, record);
      })();
    });
  }

  private checkUnique(key: string, record: T): void {
    for (const index of this.unique.values()) index.check(this.name, key, (record as Record<string, unknown>)[index.field]);
  }

  private uniqueIndex(field: string): UniqueIndex {
    const index = this.unique.get(field);
    if (!index) throw new Error(`embedded store: ${this.name}.${field} has no unique index`);
    return index;
  }

  /** The one place a record changes: unique checks first, then indexes, Map and journal. */
  private commit(key: string, next: T | undefined, journal: boolean): boolean {
    const previous = this.records.get(key);
    if (next === undefined && previous === undefined) return false;
    if (next !== undefined) this.checkUnique(key, next);
    for (const index of this.indexes) {
      const before = previous && (previous as Record<string, unknown>)[index.field];
      const after = next && (next as Record<string, unknown>)[index.field];
      if (previous && next && before === after) continue;
      if (previous) index.remove(key, before);
      if (next) index.add(key, after);
    }
    if (next === undefined) this.records.delete(key);
    else this.records.set(key, next);
    if (journal && this.journal) void this.journal.append(next === undefined ? deletionLine(key) : recordLine(key, next));
    return true;
  }
}
