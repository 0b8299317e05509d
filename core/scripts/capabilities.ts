/**
 * The OP side of a script's `api`: every capability call a sandbox worker forwards lands here,
 * in the OP process, which holds the store, the secrets and the notifier credentials the
 * workers never see. Each capability checks its arguments against a schema first; what it
 * throws reaches the script as a rejected promise (the sandbox wraps it in an envelope).
 *
 * Dry runs (`ciba-op scripts test`) record every call instead of performing it: reads (users,
 * jwt) are answered for real, effects (notify, http) and secrets are simulated.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import type { Logger } from '../context.js';
import type { ScriptSecretRepo, UserRepo } from '../store/ports.js';
import { userView } from '../hooks/views.js';
import { unseal } from '../crypto/sealed.js';
import { verifySecret } from '../users/password.js';
import type { CapabilityCall } from '../sandbox/index.js';
import type { Channel, EndUserMessage, Notifier, NotifyResult } from '../../plugins/notifier.js';
import { boundedHttpPost, type HttpPostOptions } from './http-post.js';
import type { ClientJwtVerifier } from '../oauth/client-jwt.js';
import { requestLogger } from '../logging.js';

// Optional trailing arguments make tuples shorter than their item lists; that is intended.
const ajv = new Ajv({ strict: true, strictTuples: false, allowUnionTypes: true });

const message = ajv.compile<EndUserMessage>({
  type: 'object',
  required: ['to', 'authReqId', 'sub', 'client', 'scopes', 'bindingMessage', 'link', 'expiresAt'],
  additionalProperties: false,
  properties: {
    to: { type: 'string', minLength: 1, maxLength: 2048 },
    authReqId: { type: 'string', maxLength: 256 },
    sub: { type: 'string', maxLength: 256 },
    client: {
      type: 'object',
      required: ['id', 'name'],
      additionalProperties: false,
      properties: { id: { type: 'string' }, name: { type: 'string', maxLength: 255 }, logoUri: { type: 'string', maxLength: 2048 } },
    },
    scopes: { type: 'array', maxItems: 50, items: { type: 'string', maxLength: 128 } },
    bindingMessage: { type: ['string', 'null'], maxLength: 512 },
    link: { type: 'string', pattern: '^https?://', maxLength: 4096 },
    expiresAt: { type: 'number' },
    locale: { type: 'string', maxLength: 35 },
  },
});

const findArgs = ajv.compile<[string, string]>({
  type: 'array',
  minItems: 2,
  maxItems: 2,
  items: [
    { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$' },
    { type: 'string', maxLength: 512 },
  ],
});

const userCodeArgs = ajv.compile<[string, string]>({
  type: 'array',
  minItems: 2,
  maxItems: 2,
  items: [
    { type: 'string', maxLength: 255 },
    { type: 'string', maxLength: 256 },
  ],
});

const logArgs = ajv.compile<[string, string, Record<string, unknown>?]>({
  type: 'array',
  minItems: 2,
  maxItems: 3,
  items: [{ enum: ['debug', 'info', 'warn', 'error'] }, { type: 'string', maxLength: 4096 }, { type: 'object' }],
});

const jwtArgs = ajv.compile<[string, string]>({
  type: 'array',
  minItems: 2,
  maxItems: 2,
  items: [
    { type: 'string', maxLength: 16384 },
    { type: 'string', minLength: 1, maxLength: 255 },
  ],
});

const secretArgs = ajv.compile<[string]>({
  type: 'array',
  minItems: 1,
  maxItems: 1,
  items: [{ type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' }],
});

const httpArgs = ajv.compile<[string, unknown, HttpPostOptions?]>({
  type: 'array',
  minItems: 2,
  maxItems: 3,
  items: [
    { type: 'string', maxLength: 4096 },
    {},
    {
      type: 'object',
      additionalProperties: false,
      properties: {
        headers: { type: 'object', additionalProperties: { type: 'string', maxLength: 4096 }, maxProperties: 20 },
        timeoutMs: { type: 'integer', minimum: 1, maximum: 30000 },
      },
    },
  ],
});

function check<T>(validate: ValidateFunction<T>, value: unknown, what: string): T {
  if (!validate(value)) {
    const first = validate.errors?.[0];
    throw new Error(`${what}: ${first ? `${first.instancePath || 'arguments'} ${first.message ?? 'invalid'}` : 'invalid arguments'}`);
  }
  return value;
}

/** What a dry run saw: the calls the script made and what it logged. */
export interface Recording {
  calls: Array<{ capability: string; args: unknown[] }>;
  logs: Array<{ level: string; message: string; fields?: Record<string, unknown> }>;
}

export interface CapabilityDeps {
  users: UserRepo;
  secrets: ScriptSecretRepo;
  kek: Uint8Array;
  notifiers: Partial<Record<Channel, Notifier>>;
  httpAllowList: readonly string[];
  /** Plain http to loopback hosts on the allow-list (development only). */
  allowLoopbackHttp: boolean;
  log: Logger;
  verifyClientJwt: ClientJwtVerifier;
}

const NOTIFY: Record<string, Channel> = {
  'notify.email': 'email',
  'notify.sms': 'sms',
  'notify.push': 'push',
  'notify.webhook': 'webhook',
};

export class CapabilityHost {
  private readonly recordings = new Map<string, Recording>();

  constructor(private readonly deps: CapabilityDeps) {}

  /** Starts recording the dry run identified by `requestId`; `finish` returns and forgets it. */
  record(requestId: string): { finish(): Recording } {
    const recording: Recording = { calls: [], logs: [] };
    this.recordings.set(requestId, recording);
    return {
      finish: () => {
        this.recordings.delete(requestId);
        return recording;
      },
    };
  }

  readonly handle = async (call: CapabilityCall): Promise<unknown> => {
    const recording = call.dryRun && call.requestId !== undefined ? this.recordings.get(call.requestId) : undefined;
    if (call.dryRun && !recording) throw new Error('dry run without a recording');
    recording?.calls.push({ capability: call.capability, args: call.args });

    const channel = NOTIFY[call.capability];
    if (channel) return this.notify(channel, call, recording);
    switch (call.capability) {
      case 'users.find':
        return this.findUsers(call);
      case 'users.checkUserCode':
        return this.checkUserCode(call);
      case 'log':
        return this.scriptLog(call, recording);
      case 'secrets.get':
        return this.secret(call, recording);
      case 'http.post':
        return this.httpPost(call, recording);
      case 'jwt.verifyWithClientKeys':
        return this.verifyJwt(call);
      default:
        throw new Error(`unknown capability ${call.capability}`);
    }
  };

  private async notify(channel: Channel, call: CapabilityCall, recording: Recording | undefined): Promise<NotifyResult> {
    const msg = check(message, call.args[0], `api.notify.${channel === 'push' ? 'push' : channel}()`);
    if (recording) return { delivered: true, channel, providerMessageId: 'dry-run' };
    const notifier = this.deps.notifiers[channel];
    if (!notifier) {
      return { delivered: false, channel, error: { code: 'invalid', message: `the ${channel} channel is not configured`, retryable: false } };
    }
    const result = await notifier.send(msg, requestLogger(this.deps.log, call.requestId));
    this.deps.log.info(
      { script: call.script, version: call.version, requestId: call.requestId, authReqId: msg.authReqId, channel, delivered: result.delivered, error: result.delivered ? undefined : result.error.code },
      'end-user notification attempt',
    );
    return result;
  }

  private async findUsers(call: CapabilityCall): Promise<unknown> {
    const [claim, value] = check(findArgs, call.args, 'api.users.find()');
    const found = await this.deps.users.findByClaim(claim, value, 10);
    return found.filter((u) => !u.disabled).map(userView);
  }

  private async checkUserCode(call: CapabilityCall): Promise<boolean> {
    const [sub, code] = check(userCodeArgs, call.args, 'api.users.checkUserCode()');
    const user = await this.deps.users.get(sub);
    return user?.userCodeHash && !user.disabled ? verifySecret(code, user.userCodeHash) : false;
  }

  private scriptLog(call: CapabilityCall, recording: Recording | undefined): void {
    const args = call.args.length === 1 ? ['info', ...call.args] : call.args;
    const [level, text, fields] = check(logArgs, args, 'api.log()');
    if (recording) {
      recording.logs.push(fields ? { level, message: text, fields } : { level, message: text });
      return;
    }
    const log = this.deps.log as unknown as Record<string, (obj: object, msg: string) => void>;
    (log[level] ?? this.deps.log.info).call(this.deps.log, { scriptFields: fields, script: call.script, version: call.version, requestId: call.requestId }, text);
  }

  private async secret(call: CapabilityCall, recording: Recording | undefined): Promise<string | null> {
    const [name] = check(secretArgs, call.args, 'api.secrets.get()');
    if (recording) return `dry-run-secret:${name}`;
    const sealed = await this.deps.secrets.get(call.script, name);
    return sealed === null ? null : unseal(sealed, this.deps.kek);
  }

  /** A read, like users.find: dry runs check for real. */
  private verifyJwt(call: CapabilityCall): Promise<unknown> {
    const [token, clientId] = check(jwtArgs, call.args, 'api.jwt.verifyWithClientKeys()');
    return this.deps.verifyClientJwt(token, clientId);
  }

  private async httpPost(call: CapabilityCall, recording: Recording | undefined): Promise<unknown> {
    const [url, body, options] = check(httpArgs, call.args, 'api.http.post()');
    return boundedHttpPost(url, body, options ?? {}, {
      allowList: this.deps.httpAllowList,
      allowLoopbackHttp: this.deps.allowLoopbackHttp,
      dryRun: recording !== undefined,
    });
  }
}
