/**
 * Collects everything a notifier could leak through: its logger and the console (libraries
 * log there), so a test can assert that no secret appears in either.
 */
import { vi } from 'vitest';
import type { NotifierLogger } from '../../../plugins/notifier.js';

export interface Capture {
  logger: NotifierLogger;
  /** Every logged line and console call so far, serialised. */
  text(): string;
  restore(): void;
}

export function captureOutput(): Capture {
  const lines: string[] = [];
  const record = (level: string) => (fields: Record<string, unknown>, msg: string) => {
    lines.push(JSON.stringify({ level, msg, ...fields }));
  };
  const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((method) =>
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      lines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
    }),
  );
  return {
    logger: { info: record('info'), warn: record('warn') },
    text: () => lines.join('\n'),
    restore: () => spies.forEach((spy) => spy.mockRestore()),
  };
}

/** Asserts none of `secrets` occurs in `haystack` (serialised when not a string). */
export function expectNoSecrets(haystack: unknown, secrets: readonly string[]): void {
  const text = typeof haystack === 'string' ? haystack : JSON.stringify(haystack);
  for (const secret of secrets) {
    if (text.includes(secret)) throw new Error(`a secret leaked: …${text.slice(Math.max(0, text.indexOf(secret) - 40), text.indexOf(secret))}[secret]`);
  }
}
