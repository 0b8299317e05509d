/**
 * Records in and out of nedb. nedb already deep-copies a document on every insert and every
 * read, so the only work left is adding and removing `_id`, without a further copy.
 */
import { DuplicateKeyError } from '../ports.js';

type Stored<T> = T & { _id?: string };

/** The stored document: the record with its natural key as `_id` (appended last, see below). */
export function toDoc<T extends object>(record: T, key: string): T & { _id: string } {
  return { ...record, _id: key };
}

/**
 * Strips `_id` from a copy nedb handed out. It was added last, and deleting an object's last
 * property is cheap in V8 (the object keeps its fast shape).
 */
export function fromDoc<T>(doc: Stored<T> | null | undefined): T | null {
  if (!doc) return null;
  delete doc._id;
  return doc;
}

export function fromDocs<T>(docs: Stored<T>[]): T[] {
  for (const doc of docs) delete doc._id;
  return docs;
}

export function isUniqueViolation(err: unknown): boolean {
  return (err as { errorType?: unknown } | null)?.errorType === 'uniqueViolated';
}

/** For `.catch()`: nedb's unique-index violation becomes the port's `DuplicateKeyError`. */
export function duplicateAs(collection: string): (err: unknown) => never {
  return (err) => {
    if (isUniqueViolation(err)) throw new DuplicateKeyError(collection);
    throw err;
  };
}
