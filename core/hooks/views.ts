/** The plain-data views of store records that hooks and scripts may see. */
import type { ClientRecord, UserRecord } from '../store/ports.js';
import type { ClientView, UserView } from './types.js';

export function clientView(client: ClientRecord): ClientView {
  return { id: client.clientId, name: client.metadata.client_name ?? null, logoUri: client.metadata.logo_uri ?? null };
}

export function userView(user: UserRecord): UserView {
  return { sub: user.sub, username: user.username, email: user.email, phone_number: user.phone_number, claims: user.claims };
}
