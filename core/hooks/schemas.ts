/**
 * JSON schemas of every hook's input and output. A scripted hook's input is checked before it
 * enters the sandbox and its output before the OP acts on it, so a script can never hand the
 * protocol code something it does not expect. They mirror core/hooks/types.ts and
 * scripts/ciba-script.d.ts; test/unit/hook-schemas.test.ts keeps the three in step.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import type { HookInputs, HookName, HookOutputs } from './types.js';

const client = {
  type: 'object',
  required: ['id', 'name', 'logoUri'],
  additionalProperties: false,
  properties: { id: { type: 'string' }, name: { type: ['string', 'null'] }, logoUri: { type: ['string', 'null'] } },
} as const;

const user = {
  type: 'object',
  required: ['sub', 'username', 'email', 'phone_number', 'claims'],
  additionalProperties: false,
  properties: {
    sub: { type: 'string' },
    username: { type: 'string' },
    email: { type: ['string', 'null'] },
    phone_number: { type: ['string', 'null'] },
    claims: { type: 'object' },
  },
} as const;

const device = {
  type: 'object',
  required: ['id', 'name', 'channel', 'address'],
  additionalProperties: false,
  properties: { id: { type: 'string' }, name: { type: 'string' }, channel: { enum: ['push', 'webhook'] }, address: { type: 'string' } },
} as const;

const strings = { type: 'array', items: { type: 'string' } } as const;

function errorOutput(codes: readonly string[]) {
  return {
    type: 'object',
    required: ['error'],
    additionalProperties: false,
    properties: {
      error: { enum: codes },
      // Becomes error_description on the wire: printable ASCII without `"` or `\` (CIBA §13).
      error_description: { type: 'string', maxLength: 300, pattern: '^[\\x20\\x21\\x23-\\x5B\\x5D-\\x7E]*$' },
    },
  };
}

const ok = { type: 'object', required: ['ok'], additionalProperties: false, properties: { ok: { const: true } } } as const;

/** The user a hint names, by the user's own sub. */
const subject = { type: 'object', required: ['sub'], additionalProperties: false, properties: { sub: { type: 'string', minLength: 1, maxLength: 255 } } } as const;

export const HOOK_SCHEMAS = {
  resolveLoginHint: {
    input: {
      type: 'object',
      required: ['kind', 'value', 'client', 'scopes', 'acrValues'],
      additionalProperties: false,
      properties: {
        kind: { const: 'login_hint' },
        value: { type: 'string' },
        client,
        scopes: strings,
        acrValues: strings,
      },
    },
    output: { oneOf: [subject, errorOutput(['unknown_user_id', 'invalid_request'])] },
  },
  processLoginHintToken: {
    input: {
      type: 'object',
      required: ['token', 'client'],
      additionalProperties: false,
      properties: { token: { type: 'string' }, client },
    },
    output: { oneOf: [subject, errorOutput(['unknown_user_id', 'expired_login_hint_token', 'invalid_request'])] },
  },
  validateUserCode: {
    input: {
      type: 'object',
      required: ['user', 'code', 'client'],
      additionalProperties: false,
      properties: { user, code: { type: 'string' }, client },
    },
    output: { oneOf: [ok, errorOutput(['invalid_user_code'])] },
  },
  validateBindingMessage: {
    input: {
      type: 'object',
      required: ['message', 'client'],
      additionalProperties: false,
      properties: { message: { type: 'string' }, client },
    },
    output: { oneOf: [ok, errorOutput(['invalid_binding_message'])] },
  },
  notifyEndUser: {
    input: {
      type: 'object',
      required: ['authReqId', 'user', 'client', 'scopes', 'acrValues', 'bindingMessage', 'link', 'expiresAt', 'devices'],
      additionalProperties: false,
      properties: {
        authReqId: { type: 'string' },
        user,
        client,
        scopes: strings,
        acrValues: strings,
        bindingMessage: { type: ['string', 'null'] },
        link: { type: 'string' },
        expiresAt: { type: 'number' },
        devices: { type: 'array', maxItems: 10, items: device },
      },
    },
    output: {
      type: 'object',
      required: ['sent'],
      additionalProperties: false,
      properties: {
        sent: {
          type: 'array',
          maxItems: 20,
          items: {
            type: 'object',
            required: ['channel', 'delivered'],
            additionalProperties: false,
            properties: {
              channel: { type: 'string', maxLength: 64 },
              delivered: { type: 'boolean' },
              providerMessageId: { type: 'string', maxLength: 256 },
              error: { type: 'string', maxLength: 1000 },
            },
          },
        },
      },
    },
  },
} as const satisfies Record<HookName, { input: object; output: object }>;

export const HOOK_NAMES = Object.keys(HOOK_SCHEMAS) as HookName[];

export function isHookName(value: string): value is HookName {
  return Object.hasOwn(HOOK_SCHEMAS, value);
}

const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });

type Validators = { [H in HookName]: { input: ValidateFunction<HookInputs[H]>; output: ValidateFunction<HookOutputs[H]> } };

export const hookValidators: Validators = Object.fromEntries(
  HOOK_NAMES.map((hook) => [
    hook,
    { input: ajv.compile(HOOK_SCHEMAS[hook].input), output: ajv.compile(HOOK_SCHEMAS[hook].output) },
  ]),
) as unknown as Validators;

/** A one-line reason for a failed validation, for logs and the script record. */
export function validationProblem(validate: ValidateFunction): string {
  const first = validate.errors?.[0];
  if (!first) return 'invalid';
  return `${first.instancePath || '(root)'} ${first.message ?? 'is invalid'}`;
}
