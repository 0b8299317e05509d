/**
 * The guarantees every notifier gets from shared/delivery.ts, checked on their own: a fault
 * inside a notifier is a result, a library that ignores the abort signal still cannot hold a
 * caller past the deadline, and secrets are scrubbed from whatever text an error carries.
 */
import { describe, expect, it } from 'vitest';
import { deliver, silentLogger, type DeliveryContext } from '../../plugins/shared/delivery.js';
import { captureOutput, expectNoSecrets } from './support/capture.js';
import { testMessage } from './support/message.js';

const SECRET = 'the-notifier-secret-value';

function context(overrides: Partial<DeliveryContext> = {}): DeliveryContext {
  return { channel: 'email', logger: silentLogger, timeoutMs: 1000, secrets: () => [SECRET], ...overrides };
}

describe('deliver', () => {
  it('turns a fault inside the notifier into a non-retryable internal result, scrubbing secrets and the link', async () => {
    const output = captureOutput();
    const message = testMessage();
    const result = await deliver(context({ logger: output.logger }), message, async () => {
      throw new TypeError(`cannot read ${SECRET} while opening ${message.link}`);
    });
    output.restore();
    expect(result).toEqual({
      delivered: false,
      channel: 'email',
      error: { code: 'internal', message: 'unexpected failure in the email notifier: TypeError: cannot read [redacted] while opening [redacted]', retryable: false },
    });
    expectNoSecrets(output.text(), [SECRET, message.link]);
    expect(output.text()).toContain('"code":"internal"');
  });

  it('settles at the deadline even when the work ignores the abort signal', async () => {
    const started = performance.now();
    let aborted = false;
    const result = await deliver(context({ timeoutMs: 200 }), testMessage(), (signal) => {
      signal.addEventListener('abort', () => void (aborted = true));
      return new Promise(() => {});
    });
    expect(result).toMatchObject({ delivered: false, error: { code: 'timeout', retryable: true } });
    expect(aborted).toBe(true);
    expect(performance.now() - started).toBeLessThan(500);
  });
});
