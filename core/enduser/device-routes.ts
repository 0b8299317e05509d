/**
 * The device registration endpoint (seed name: `backchannelDeviceRegistrationEndpoint`), for
 * authenticator apps. JSON in and out:
 *
 *   POST   <path>              register a device: the user's credentials (HTTP Basic) or a
 *                              one-time `enrollment_code`, plus `name` and `push_token` (FCM)
 *                              or `webhook_url`
 *   GET    <path>              the user's devices (HTTP Basic)
 *   DELETE <path>/<device_id>  remove one (HTTP Basic)
 *
 * Passwords are checked with lockout (core/users/sign-in.ts), like everywhere else.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { oauthError } from '../errors.js';
import type { UserRecord } from '../store/ports.js';
import { publicDevice, registerDevice } from '../devices/devices.js';
import { redeemEnrollmentCode } from '../devices/enrollment.js';
import { signIn } from '../users/sign-in.js';
import type { Credentials } from './authentication.js';

const registerBody = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 64 },
    push_token: { type: 'string', minLength: 1, maxLength: 4096, pattern: '^\\S+$' },
    webhook_url: { type: 'string', minLength: 1, maxLength: 2048 },
    enrollment_code: { type: 'string', minLength: 1, maxLength: 128 },
  },
  oneOf: [{ required: ['push_token'] }, { required: ['webhook_url'] }],
} as const;

interface RegisterBody {
  name: string;
  push_token?: string;
  webhook_url?: string;
  enrollment_code?: string;
}

const byDevice = {
  type: 'object',
  required: ['deviceId'],
  properties: { deviceId: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

/** HTTP Basic (RFC 7617): `user-id ":" password`, UTF-8. */
function basicCredentials(header: string | undefined): Credentials | null {
  const match = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header ?? '');
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0 ? { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) } : null;
}

export function deviceRoutes(app: FastifyInstance, path: string): void {
  const op = app.op;

  async function signedInUser(request: FastifyRequest): Promise<UserRecord> {
    const credentials = basicCredentials(request.headers.authorization);
    if (!credentials) throw oauthError('invalid_request', "the user's username and password are required (HTTP Basic)");
    const outcome = await signIn(op, credentials.username, credentials.password);
    if (outcome.ok) return outcome.user;
    throw outcome.reason === 'locked'
      ? oauthError('access_denied', 'the account is locked after too many failed sign-in attempts; try again later')
      : oauthError('access_denied', 'the username or password is not correct');
  }

  async function enrolledUser(code: string, request: FastifyRequest): Promise<UserRecord> {
    if (request.headers.authorization) throw oauthError('invalid_request', 'send either the user’s credentials or an enrollment_code, not both');
    const sub = await redeemEnrollmentCode(op, code);
    const user = sub === null ? null : await op.store.users.get(sub);
    if (!user || user.disabled) throw oauthError('access_denied', 'the enrollment code is not valid: unknown, used or expired');
    return user;
  }

  app.post<{ Body: RegisterBody }>(path, { schema: { body: registerBody } }, async (request, reply: FastifyReply) => {
    const body = request.body;
    const user = body.enrollment_code === undefined ? await signedInUser(request) : await enrolledUser(body.enrollment_code, request);
    const registration = body.push_token === undefined
      ? { name: body.name, channel: 'webhook' as const, address: body.webhook_url as string }
      : { name: body.name, channel: 'push' as const, address: body.push_token };
    const { device, created } = await registerDevice(op, user.sub, registration);
    if (created) request.log.info({ sub: user.sub, deviceId: device.id, channel: device.channel }, 'device registered');
    return reply.code(created ? 201 : 200).send(publicDevice(device));
  });

  app.get(path, async (request) => {
    const user = await signedInUser(request);
    return { devices: (await op.store.devices.listBySub(user.sub)).map(publicDevice) };
  });

  app.delete<{ Params: { deviceId: string } }>(`${path}/:deviceId`, { schema: { params: byDevice } }, async (request, reply) => {
    const user = await signedInUser(request);
    if (!(await op.store.devices.delete(user.sub, request.params.deviceId))) throw oauthError('not_found', 'the user has no such device');
    request.log.info({ sub: user.sub, deviceId: request.params.deviceId }, 'device removed');
    return reply.code(204).send();
  });
}
