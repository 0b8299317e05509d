import { describe, expect, it } from 'vitest';
import { OAuthError } from '../../core/errors.js';

describe('OAuthError', () => {
  it('maps the wire code to its status and keeps the description printable ASCII without quotes', () => {
    const err = new OAuthError('invalid_client', 'bad "secret" \\ é\n');
    expect(err.status).toBe(401);
    expect(err.toJSON()).toEqual({ error: 'invalid_client', error_description: 'bad  secret      ' });
  });
});
