/**
 * The store contract for the end-user side: failure counters (lockout), registered devices and
 * enrollment codes. Registered by runStoreContract, so it runs against every adapter.
 */
import { describe, expect, it } from 'vitest';
import { DuplicateKeyError, type DeviceRecord, type EnrollmentCodeRecord, type Store } from '../../core/store/ports.js';
import { MINUTE, T0, uid } from './fixtures.js';

const POLICY = { maxFailures: 3, windowMs: 10 * MINUTE, lockMs: 15 * MINUTE };

function device(overrides: Partial<DeviceRecord> = {}): DeviceRecord {
  return { id: uid('dev'), sub: 'user-1', name: 'Pixel', channel: 'push', address: uid('fcm'), createdAt: T0, ...overrides };
}

function enrollmentCode(overrides: Partial<EnrollmentCodeRecord> = {}): EnrollmentCodeRecord {
  return { digest: uid('code'), sub: 'user-1', createdAt: T0, expiresAt: T0 + 10 * MINUTE, ...overrides };
}

export function runEnduserStoreContract(current: () => Store): void {
  describe('failure counters', () => {
    it('counts failures in a window, locks at the maximum and starts afresh after', async () => {
      const { failureCounters } = current();
      const key = uid('user');
      expect(await failureCounters.get(key)).toBeNull();
      const first = await failureCounters.recordFailure(key, T0, POLICY);
      expect(first).toEqual({ key, failures: 1, windowEndsAt: T0 + 10 * MINUTE, lockedUntil: null, purgeAt: T0 + 10 * MINUTE });
      expect(await failureCounters.get(key)).toEqual(first);
      expect((await failureCounters.recordFailure(key, T0 + MINUTE, POLICY)).failures).toBe(2);
      const locked = await failureCounters.recordFailure(key, T0 + 2 * MINUTE, POLICY);
      expect(locked).toEqual({ key, failures: 0, windowEndsAt: T0 + 2 * MINUTE, lockedUntil: T0 + 17 * MINUTE, purgeAt: T0 + 17 * MINUTE });
      const after = await failureCounters.recordFailure(key, T0 + 20 * MINUTE, POLICY);
      expect(after).toMatchObject({ failures: 1, windowEndsAt: T0 + 30 * MINUTE, lockedUntil: T0 + 17 * MINUTE, purgeAt: T0 + 30 * MINUTE });
    });

    it('opens a new window once the old one ended', async () => {
      const { failureCounters } = current();
      const key = uid('user');
      await failureCounters.recordFailure(key, T0, POLICY);
      await failureCounters.recordFailure(key, T0 + MINUTE, POLICY);
      const fresh = await failureCounters.recordFailure(key, T0 + 10 * MINUTE, POLICY);
      expect(fresh).toMatchObject({ failures: 1, windowEndsAt: T0 + 20 * MINUTE, lockedUntil: null });
    });

    it('counts every one of concurrent failures', async () => {
      const { failureCounters } = current();
      const key = uid('user');
      const policy = { ...POLICY, maxFailures: 100 };
      await Promise.all(Array.from({ length: 20 }, () => failureCounters.recordFailure(key, T0, policy)));
      expect((await failureCounters.get(key))?.failures).toBe(20);
    });

    it('clears a key and purges only records whose purgeAt passed', async () => {
      const { failureCounters } = current();
      const [cleared, old, recent] = [uid('user'), uid('user'), uid('user')];
      await failureCounters.recordFailure(cleared, T0, POLICY);
      await failureCounters.clear(cleared);
      expect(await failureCounters.get(cleared)).toBeNull();
      await failureCounters.clear(cleared);
      await failureCounters.recordFailure(old, T0, POLICY);
      await failureCounters.recordFailure(recent, T0 + 5 * MINUTE, POLICY);
      expect(await failureCounters.purge(T0 + 12 * MINUTE)).toBe(1);
      expect(await failureCounters.get(old)).toBeNull();
      expect(await failureCounters.get(recent)).not.toBeNull();
    });
  });

  describe('devices', () => {
    it('creates, gets and lists a user’s devices oldest first, refusing a duplicate id', async () => {
      const { devices } = current();
      const sub = uid('user');
      const second = device({ sub, createdAt: T0 + 1 });
      const first = device({ sub, channel: 'webhook', address: 'https://app.example.com/hook' });
      await devices.create(second);
      await devices.create(first);
      await devices.create(device());
      expect(await devices.listBySub(sub)).toEqual([first, second]);
      expect(await devices.get(first.id)).toEqual(first);
      expect(await devices.get('no-such-device')).toBeNull();
      await expect(devices.create({ ...first, name: 'again' })).rejects.toBeInstanceOf(DuplicateKeyError);
    });

    it('deletes only the user’s own device, once', async () => {
      const { devices } = current();
      const mine = device({ sub: uid('user') });
      await devices.create(mine);
      expect(await devices.delete('someone-else', mine.id)).toBe(false);
      expect(await devices.delete(mine.sub, mine.id)).toBe(true);
      expect(await devices.delete(mine.sub, mine.id)).toBe(false);
      expect(await devices.listBySub(mine.sub)).toEqual([]);
    });
  });

  describe('enrollment codes', () => {
    it('consumes a code once and never after it expired', async () => {
      const { enrollmentCodes } = current();
      const code = enrollmentCode();
      await enrollmentCodes.create(code);
      expect(await enrollmentCodes.consume(code.digest, code.expiresAt)).toBeNull();
      expect(await enrollmentCodes.consume(code.digest, T0)).toEqual(code);
      expect(await enrollmentCodes.consume(code.digest, T0)).toBeNull();
      expect(await enrollmentCodes.consume('unknown', T0)).toBeNull();
    });

    it('lets exactly one of 20 racing consumes win', async () => {
      const { enrollmentCodes } = current();
      const code = enrollmentCode();
      await enrollmentCodes.create(code);
      const results = await Promise.all(Array.from({ length: 20 }, () => enrollmentCodes.consume(code.digest, T0)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('purges only expired codes', async () => {
      const { enrollmentCodes } = current();
      const expired = enrollmentCode({ expiresAt: T0 + MINUTE });
      const valid = enrollmentCode();
      await enrollmentCodes.create(expired);
      await enrollmentCodes.create(valid);
      expect(await enrollmentCodes.purge(T0 + 2 * MINUTE)).toBe(1);
      expect(await enrollmentCodes.consume(valid.digest, T0 + 2 * MINUTE)).toEqual(valid);
    });
  });
}
