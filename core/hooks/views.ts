/** The plain-data views of store records that hooks and scripts may see. */
import type { ClientRecord, DeviceRecord, UserRecord } from '../store/ports.js';
import type { ClientView, DeviceView, UserView } from './types.js';

export function clientView(client: ClientRecord): ClientView {
  return { id: client.clientId, name: client.metadata.client_name ?? null, logoUri: client.metadata.logo_uri ?? null };
}

export function userView(user: UserRecord): UserView {
  return { sub: user.sub, username: user.username, email: user.email, phone_number: user.phone_number, claims: user.claims };
}

export function deviceView(device: DeviceRecord): DeviceView {
  return { id: device.id, name: device.name, channel: device.channel, address: device.address };
}
