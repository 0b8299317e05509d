/**
 * The Google service-account key file (the JSON downloaded from the Firebase console), given
 * inline in the config or as the content of an environment variable.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { NotifierConfigError, validateConfig } from '../shared/config.js';

export interface ServiceAccount {
  type?: 'service_account';
  project_id: string;
  private_key_id?: string;
  private_key: string;
  client_email: string;
  token_uri?: string;
}

export const serviceAccountSchema = {
  type: 'object',
  // The downloaded file has more fields (client_id, auth_uri, ...) that do not matter here.
  additionalProperties: true,
  required: ['project_id', 'private_key', 'client_email'],
  properties: {
    type: { const: 'service_account' },
    project_id: { type: 'string', minLength: 1 },
    private_key_id: { type: 'string' },
    private_key: { type: 'string', minLength: 1 },
    client_email: { type: 'string', format: 'email' },
    token_uri: { type: 'string', format: 'uri' },
  },
} as const;

/** Parses the JSON held by `envName`; errors name the variable, never echo its content. */
export function serviceAccountFromEnv(json: string, envName: string): ServiceAccount {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new NotifierConfigError('fcm', [`serviceAccountEnv ${envName} does not hold JSON`]);
  }
  return validateConfig<ServiceAccount>('fcm', serviceAccountSchema, parsed, `serviceAccountEnv(${envName})`);
}

/** The RS256 signing key; checked at construction so a broken key fails startup. */
export function signingKey(account: ServiceAccount): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(account.private_key);
  } catch {
    throw new NotifierConfigError('fcm', ['serviceAccount.private_key is not a PEM private key']);
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new NotifierConfigError('fcm', ['serviceAccount.private_key is not an RSA key']);
  }
  return key;
}
