/**
 * Devices a user registered for push (an authenticator app's FCM token, or a webhook its backend
 * serves). The built-in notifyEndUser and the bundled script notify them before any channel.
 * A device's id is derived from user, channel and address, so an app that registers the same
 * token again (apps re-register at every start) finds its device instead of adding a copy.
 */
import type { OpContext } from '../context.js';
import { oauthError } from '../errors.js';
import { digest } from '../oauth/secrets.js';
import { DuplicateKeyError, type DeviceRecord } from '../store/ports.js';

export interface DeviceRegistration {
  name: string;
  channel: DeviceRecord['channel'];
  address: string;
}

function deviceId(sub: string, channel: string, address: string): string {
  return digest(`${sub}\n${channel}\n${address}`).slice(0, 22);
}

/** Webhook devices are reached over https; plain http only to loopback, in devMode. */
function checkAddress(op: Pick<OpContext, 'config'>, { channel, address }: DeviceRegistration): void {
  if (channel !== 'webhook') return;
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw oauthError('invalid_request', 'webhook_url must be an absolute URL');
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(op.config.devMode && url.protocol === 'http:' && loopback)) {
    throw oauthError('invalid_request', 'webhook_url must be an https URL');
  }
}

/** `created` is false when the device was registered already (then it is returned as it is). */
export async function registerDevice(
  op: Pick<OpContext, 'config' | 'store' | 'now'>,
  sub: string,
  registration: DeviceRegistration,
): Promise<{ device: DeviceRecord; created: boolean }> {
  checkAddress(op, registration);
  const id = deviceId(sub, registration.channel, registration.address);
  const existing = await op.store.devices.get(id);
  if (existing) return { device: existing, created: false };
  const max = op.config.enduser.devices.maxPerUser;
  if ((await op.store.devices.listBySub(sub)).length >= max) {
    throw oauthError('invalid_request', `the user already has ${max} devices, the most allowed: remove one first`);
  }
  const device: DeviceRecord = { id, sub, ...registration, createdAt: op.now() };
  try {
    await op.store.devices.create(device);
    return { device, created: true };
  } catch (err) {
    if (!(err instanceof DuplicateKeyError)) throw err;
    // The same registration raced this one and won.
    return { device: (await op.store.devices.get(id)) ?? device, created: false };
  }
}

/** What the user sees of a device: never the whole push token, which is a credential of sorts. */
export function publicDevice(device: DeviceRecord): Record<string, unknown> {
  return {
    device_id: device.id,
    name: device.name,
    channel: device.channel,
    address_hint: device.channel === 'webhook' ? new URL(device.address).host : `…${device.address.slice(-6)}`,
    created_at: Math.floor(device.createdAt / 1000),
  };
}
