/**
 * Access to an `application/x-www-form-urlencoded` body with the OAuth rules built in:
 * a parameter sent twice is `invalid_request` (RFC 6749 §3.1), and one sent without a value
 * counts as omitted.
 */
import { oauthError } from '../errors.js';

type RawBody = Record<string, string | string[] | undefined>;

export class FormParams {
  private constructor(private readonly body: RawBody) {}

  static from(body: unknown): FormParams {
    return new FormParams(typeof body === 'object' && body !== null ? (body as RawBody) : {});
  }

  get(name: string): string | undefined {
    const value = this.body[name];
    if (Array.isArray(value)) throw oauthError('invalid_request', `${name} is included more than once`);
    return value === undefined || value === '' ? undefined : value;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }
}
