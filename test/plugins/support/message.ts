import type { EndUserMessage } from '../../../plugins/notifier.js';

/** A message as the OP would hand it to a notifier; `overrides` adjusts it per test. */
export function testMessage(overrides: Partial<EndUserMessage> = {}): EndUserMessage {
  return {
    to: 'alice@example.com',
    authReqId: 'ar_1f0c9b7e',
    sub: 'user-123',
    client: { id: 'client-abc', name: 'Acme Bank' },
    scopes: ['openid', 'payments'],
    bindingMessage: 'W4-PLX',
    link: 'https://op.example.com/device/verify?code=secret-link-Zq8xT1vY0pLm3nB7',
    expiresAt: Date.now() + 5 * 60_000,
    ...overrides,
  };
}
