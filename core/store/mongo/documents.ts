/** Records in and out of MongoDB. */
import { MongoServerError } from 'mongodb';
import { DuplicateKeyError } from '../ports.js';

/** Read options for every query: the server leaves out what is not part of the record. */
export const RECORD = { projection: { _id: 0, expireAt: 0 } } as const;

/** A duplicate key (E11000, also inside a bulk write error). */
export function isDuplicateKey(err: unknown): boolean {
  return err instanceof MongoServerError && err.code === 11000;
}

/** For `.catch()`: a duplicate key becomes `DuplicateKeyError`. */
export function duplicateAs(collection: string): (err: unknown) => never {
  return (err) => {
    if (isDuplicateKey(err)) throw new DuplicateKeyError(collection);
    throw err;
  };
}
