/**
 * Checks a JWT a client signed with its registered keys, for hooks and scripts (a login hint
 * token): the signature with an algorithm the OP accepts for signed requests (asymmetric only,
 * PS256/ES256 under the FAPI-CIBA profile), and `exp`/`nbf` when present. Failures are results,
 * not exceptions, so a script can tell an expired token from a forged or malformed one.
 */
import { errors, jwtVerify } from 'jose';
import type { Config } from '../config/types.js';
import type { ClientRepo } from '../store/ports.js';
import type { ClientKeys } from './client-keys.js';
import { isFapiClient, profileAlgs } from './fapi.js';
import { CLOCK_SKEW_SEC, jwtProblem } from './jwt-errors.js';

export type ClientJwtVerification =
  | { valid: true; header: Record<string, unknown>; claims: Record<string, unknown> }
  | { valid: false; reason: 'malformed' | 'expired' | 'invalid'; message: string };

export type ClientJwtVerifier = (token: string, clientId: string) => Promise<ClientJwtVerification>;

interface ClientJwtDeps {
  config: Config;
  clients: ClientRepo;
  clientKeys: ClientKeys;
  now(): number;
}

export function clientJwtVerifier({ config, clients, clientKeys, now }: ClientJwtDeps): ClientJwtVerifier {
  return async (token, clientId) => {
    const client = await clients.get(clientId);
    if (!client || client.disabled) return { valid: false, reason: 'invalid', message: `no client ${clientId}` };
    const algorithms = profileAlgs(config.backchannelAuthenticationRequestSigningAlgValuesSupported, isFapiClient(config, client.metadata));
    try {
      const { payload, protectedHeader } = await jwtVerify(token, clientKeys.resolver(client), {
        algorithms,
        clockTolerance: CLOCK_SKEW_SEC,
        currentDate: new Date(now()),
      });
      return { valid: true, header: { ...protectedHeader }, claims: { ...payload } };
    } catch (err) {
      const message = `the JWT ${jwtProblem(err)}`;
      if (err instanceof errors.JWTExpired) return { valid: false, reason: 'expired', message };
      const malformed = err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid;
      return { valid: false, reason: malformed ? 'malformed' : 'invalid', message };
    }
  };
}
