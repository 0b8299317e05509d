/**
 * JWT client authentication (RFC 7523 §2.2 and §3, OIDC Core §9): `private_key_jwt` (signed
 * with the client's registered public keys) and `client_secret_jwt` (an HMAC under its
 * secret). The client is found from the assertion (`sub`, else `iss`) when no client_id is
 * sent. Checks run as a table of small steps; every failure is 401 `invalid_client` saying
 * which rule the assertion broke. A verified assertion's jti is spent until its exp, so a
 * captured assertion cannot be replayed.
 */
import { decodeJwt, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import type { OpContext } from '../context.js';
import type { FormParams } from '../http/form.js';
import type { ClientRecord } from '../store/ports.js';
import { PATHS } from './discovery.js';
import { isFapiClient, profileAlgs } from './fapi.js';
import { unauthenticated } from './invalid-client.js';
import { CLOCK_SKEW_SEC, jwtProblem } from './jwt-errors.js';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

interface Assertion {
  readonly jwt: string;
  readonly op: OpContext;
  readonly params: FormParams;
  alg: string;
  clientId: string;
  client: ClientRecord | null;
  claims: JWTPayload;
}

type Step = (a: Assertion) => void | Promise<void>;

const checkType: Step = ({ params }) => {
  if (params.get('client_assertion_type') !== ASSERTION_TYPE) throw unauthenticated(`client_assertion_type must be ${ASSERTION_TYPE}`);
  if (params.get('client_assertion') === undefined) throw unauthenticated('client_assertion is required with client_assertion_type');
};

/** RFC 7523 §3: iss and sub are the client_id; a client_id parameter, when sent, must agree. */
const identifyClient: Step = (a) => {
  let claims: JWTPayload;
  try {
    a.alg = decodeProtectedHeader(a.jwt).alg ?? '';
    claims = decodeJwt(a.jwt);
  } catch {
    throw unauthenticated('client_assertion is not a JWT');
  }
  const named = claims.sub ?? claims.iss;
  const sent = a.params.get('client_id');
  if (sent !== undefined && named !== undefined && sent !== named) throw unauthenticated('client_id does not match the client the client_assertion names');
  const clientId = sent ?? named;
  if (typeof clientId !== 'string') throw unauthenticated('client_assertion names no client (sub, iss)');
  a.clientId = clientId;
};

const loadClient: Step = async (a) => {
  const client = await a.op.store.clients.get(a.clientId);
  if (!client || client.disabled) throw unauthenticated('client authentication failed');
  a.client = client;
};

/** The alg must fit the registered method, the client's registered alg, the OP's list and the FAPI profile. */
const checkAlg: Step = (a) => {
  const client = a.client as ClientRecord;
  const method = client.metadata.token_endpoint_auth_method;
  if (method !== 'private_key_jwt' && method !== 'client_secret_jwt') throw unauthenticated(`client is registered for ${method}`);
  const hmac = a.alg.startsWith('HS');
  if (hmac !== (method === 'client_secret_jwt')) throw unauthenticated(`client_assertion alg ${a.alg || 'none'} does not go with ${method}`);
  const registered = client.metadata.token_endpoint_auth_signing_alg;
  if (registered !== undefined && a.alg !== registered) throw unauthenticated(`client_assertion must be signed with ${registered}`);
  const allowed = profileAlgs(a.op.config.tokenEndpointAuthSigningAlgValuesSupported, isFapiClient(a.op.config, client.metadata));
  if (!allowed.includes(a.alg)) throw unauthenticated(`client_assertion alg ${a.alg || 'none'} is not allowed (allowed: ${allowed.join(', ')})`);
};

/** RFC 7523 §3: aud identifies this OP — its issuer, its token endpoint or (CIBA §7.1) its backchannel endpoint. */
const verify: Step = async (a) => {
  const { issuer } = a.op.config;
  const audiences = [issuer, `${issuer}${PATHS.token}`, `${issuer}${PATHS.backchannel}`];
  try {
    const { payload } = await jwtVerify(a.jwt, a.op.clientKeys.resolver(a.client as ClientRecord), {
      algorithms: [a.alg],
      issuer: a.clientId,
      subject: a.clientId,
      audience: audiences,
      requiredClaims: ['exp', 'jti'],
      clockTolerance: CLOCK_SKEW_SEC,
      currentDate: new Date(a.op.now()),
    });
    a.claims = payload;
  } catch (err) {
    const asClient = `must be the client_id ${a.clientId}`;
    throw unauthenticated(`client_assertion ${jwtProblem(err, { iss: asClient, sub: asClient, aud: `must name this OP: ${audiences.join(' or ')}` })}`);
  }
};

/** A short-lived assertion limits what a stolen one is worth; its jti store holds it that long. */
const checkLifetime: Step = (a) => {
  const { exp, iat } = a.claims as { exp: number; iat?: number };
  const max = a.op.config.clientAssertionMaxLifetimeSec;
  const nowSec = Math.floor(a.op.now() / 1000);
  if (exp - nowSec > max + CLOCK_SKEW_SEC || (iat !== undefined && exp - iat > max)) {
    throw unauthenticated(`client_assertion must expire within ${max} seconds`);
  }
};

const spendJti: Step = async (a) => {
  const { exp, jti } = a.claims as { exp: number; jti: string };
  const fresh = await a.op.store.jtis.use(`client_assertion ${a.clientId} ${jti}`, (exp + CLOCK_SKEW_SEC) * 1000, a.op.now());
  if (!fresh) throw unauthenticated('client_assertion has been used before (jti)');
};

const checkSecretExpiry: Step = (a) => {
  const client = a.client as ClientRecord;
  if (a.alg.startsWith('HS') && client.secretExpiresAt !== 0 && client.secretExpiresAt <= a.op.now()) {
    throw unauthenticated('client secret has expired');
  }
};

const STEPS: readonly Step[] = [checkType, identifyClient, loadClient, checkAlg, verify, checkLifetime, spendJti, checkSecretExpiry];

export async function authenticateByAssertion(op: OpContext, params: FormParams): Promise<ClientRecord> {
  const assertion: Assertion = { jwt: params.get('client_assertion') ?? '', op, params, alg: '', clientId: '', client: null, claims: {} };
  for (const step of STEPS) await step(assertion);
  return assertion.client as ClientRecord;
}
