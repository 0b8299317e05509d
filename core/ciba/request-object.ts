/**
 * Signed authentication requests (CIBA §7.1.1): the `request` parameter is a JWS, signed with
 * the alg the client registered (asymmetric only; PS256/ES256 under the FAPI-CIBA profile), whose
 * claims are the whole authentication request. Its checks run as a table of small steps; every
 * failure is 400 `invalid_request` saying which rule broke, never `invalid_client`, since client
 * authentication has already succeeded. Parameters outside the JWT are never merged in: an
 * authentication request parameter sent outside is refused, anything else there is ignored.
 */
import { decodeProtectedHeader, jwtVerify, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import { oauthError } from '../errors.js';
import type { OpContext } from '../context.js';
import { FormParams } from '../http/form.js';
import type { ClientRecord } from '../store/ports.js';
import { isFapiClient, profileAlgs } from '../oauth/fapi.js';
import { CLOCK_SKEW_SEC, jwtProblem } from '../oauth/jwt-errors.js';

/** The parameters of a CIBA authentication request (§7.1); client authentication ones may stay outside. */
const AUTH_REQUEST_PARAMETERS = [
  'scope',
  'client_notification_token',
  'acr_values',
  'login_hint_token',
  'id_token_hint',
  'login_hint',
  'binding_message',
  'user_code',
  'requested_expiry',
] as const;

/** FAPI 1.0 Advanced §5.2.2-13: a request object may live at most an hour (exp − nbf). */
const MAX_LIFETIME_SEC = 3600;
const TYPES = ['oauth-authz-req+jwt', 'application/oauth-authz-req+jwt'];

function invalid(description: string): never {
  throw oauthError('invalid_request', description);
}

interface RequestObject {
  readonly jwt: string;
  readonly op: OpContext;
  readonly client: ClientRecord;
  readonly outside: FormParams;
  header: ProtectedHeaderParameters;
  claims: JWTPayload;
}

type Step = (r: RequestObject) => void | Promise<void>;

const refuseOutsideParameters: Step = ({ outside }) => {
  const doubled = AUTH_REQUEST_PARAMETERS.filter((name) => outside.has(name));
  if (doubled.length) invalid(`with a request object, ${doubled.join(', ')} must be inside it, not outside`);
};

const readHeader: Step = (r) => {
  if (r.jwt.split('.').length !== 3) invalid('request must be a signed JWT (JWS compact serialization)');
  try {
    r.header = decodeProtectedHeader(r.jwt);
  } catch {
    invalid('request is not a JWT');
  }
};

/** RFC 9101 §10.8: typ is optional, but when present it must say this is a request object. */
const checkType: Step = ({ header }) => {
  if (header.typ !== undefined && !TYPES.includes(header.typ.toLowerCase())) invalid(`request object typ must be oauth-authz-req+jwt, not ${header.typ}`);
};

/** CIBA §4: a client sends signed requests only with the alg it registered for them. */
const requireRegisteredAlg: Step = ({ client }) => {
  if (client.metadata.backchannel_authentication_request_signing_alg === undefined) {
    invalid('the client has not registered backchannel_authentication_request_signing_alg, so it cannot send signed requests');
  }
};

const checkAlg: Step = ({ header, client, op }) => {
  const registered = client.metadata.backchannel_authentication_request_signing_alg as string;
  const allowed = profileAlgs(op.config.backchannelAuthenticationRequestSigningAlgValuesSupported, isFapiClient(op.config, client.metadata));
  if (header.alg !== registered || !allowed.includes(registered)) {
    invalid(`request object must be signed with ${registered}${allowed.includes(registered) ? '' : ', which this OP no longer accepts'}, not ${header.alg ?? 'nothing'}`);
  }
};

/** CIBA §7.1.1: iss the client, aud this OP, and exp, iat, nbf, jti all present. */
const verify: Step = async (r) => {
  const { config } = r.op;
  try {
    const { payload } = await jwtVerify(r.jwt, r.op.clientKeys.resolver(r.client), {
      algorithms: [r.header.alg as string],
      issuer: r.client.clientId,
      audience: config.issuer,
      requiredClaims: ['exp', 'iat', 'nbf', 'jti'],
      clockTolerance: CLOCK_SKEW_SEC,
      currentDate: new Date(r.op.now()),
    });
    r.claims = payload;
  } catch (err) {
    invalid(`request object ${jwtProblem(err, { iss: `must be the client_id ${r.client.clientId}`, aud: `must contain the issuer ${config.issuer}` })}`);
  }
};

const checkTimes: Step = ({ claims, op }) => {
  const { exp, nbf, iat } = claims as { exp: number; nbf: number; iat: number };
  if (exp - nbf > MAX_LIFETIME_SEC) invalid(`request object must not be valid for more than ${MAX_LIFETIME_SEC} seconds (exp - nbf)`);
  if (iat > op.now() / 1000 + CLOCK_SKEW_SEC) invalid('request object is issued in the future (iat)');
};

const spendJti: Step = async ({ claims, client, op }) => {
  const { exp, jti } = claims as { exp: number; jti: string };
  const fresh = await op.store.jtis.use(`request_object ${client.clientId} ${jti}`, (exp + CLOCK_SKEW_SEC) * 1000, op.now());
  if (!fresh) invalid('request object has been used before (jti)');
};

const STEPS: readonly Step[] = [requireRegisteredAlg, refuseOutsideParameters, readHeader, checkType, checkAlg, verify, checkTimes, spendJti];

/** requested_expiry may be a JSON number or string (CIBA §7.1); every other member must be a string. */
function parameterValue(name: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (name === 'requested_expiry' && typeof value === 'number') return String(value);
  invalid(`request object member ${name} must be a string`);
}

/** The authentication request the JWT carries, as parameters the endpoint's steps read. */
function requestParameters(claims: JWTPayload): FormParams {
  const params: Record<string, string> = {};
  for (const name of AUTH_REQUEST_PARAMETERS) {
    if (claims[name] !== undefined) params[name] = parameterValue(name, claims[name]);
  }
  return FormParams.from(params);
}

/** Signed requests are required of a client that registered an alg (no downgrade) and under FAPI-CIBA. */
function requiresSignedRequests(op: OpContext, client: ClientRecord): boolean {
  return client.metadata.backchannel_authentication_request_signing_alg !== undefined || isFapiClient(op.config, client.metadata);
}

/** The parameters to use: the request object's when one was sent; null to go on with the form's. */
export async function unpackRequestObject(op: OpContext, client: ClientRecord, outside: FormParams): Promise<FormParams | null> {
  if (outside.has('request_uri')) invalid('request_uri is not supported: send the request object by value (request)');
  const jwt = outside.get('request');
  if (jwt === undefined) {
    if (requiresSignedRequests(op, client)) invalid('this client must send a signed authentication request (request)');
    return null;
  }
  const request: RequestObject = { jwt, op, client, outside, header: {}, claims: {} };
  for (const step of STEPS) await step(request);
  return requestParameters(request.claims);
}
