/**
 * Which script versions keep costing the pool its workers. A version blamed for
 * `threshold` worker deaths within `windowMs` is quarantined for good: its calls fail at
 * once and the registry records the reason on the script record. A new version (or an
 * operator rolling back to an older one) is a different key and starts clean.
 */
import type { QuarantineRecord } from './types.js';
import { scriptKey } from './script-key.js';

export class CrashLedger {
  private readonly crashes = new Map<string, number[]>();
  private readonly quarantined = new Map<string, QuarantineRecord>();

  constructor(
    private readonly threshold: number,
    private readonly windowMs: number,
  ) {}

  /** Blames one worker death on a version; returns its quarantine record when this death tips it over. */
  record(name: string, version: number, cause: string, now = Date.now()): QuarantineRecord | null {
    const key = scriptKey(name, version);
    if (this.quarantined.has(key)) return null;
    const recent = (this.crashes.get(key) ?? []).filter((at) => now - at < this.windowMs);
    recent.push(now);
    if (recent.length < this.threshold) {
      this.crashes.set(key, recent);
      return null;
    }
    this.crashes.delete(key);
    const reason = `killed or wedged sandbox workers ${recent.length} times within ${this.windowMs / 1000} s; last: ${cause}`;
    const entry = { name, version, reason };
    this.quarantined.set(key, entry);
    return entry;
  }

  get(key: string): QuarantineRecord | undefined {
    return this.quarantined.get(key);
  }

  list(): QuarantineRecord[] {
    return [...this.quarantined.values()];
  }
}
