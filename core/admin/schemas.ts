/**
 * JSON schemas the admin routes share. Response schemas also decide what is serialised: a
 * member not listed never leaves the OP, which keeps hashes and secrets out by construction.
 */
export const freeObject = { type: 'object', additionalProperties: true } as const;

export const clientSummary = {
  type: 'object',
  properties: {
    clientId: { type: 'string' },
    source: { enum: ['static', 'dynamic', 'admin'] },
    disabled: { type: 'boolean' },
    createdAt: { type: 'integer', description: 'epoch ms' },
    updatedAt: { type: 'integer', description: 'epoch ms' },
    metadata: { ...freeObject, description: 'RFC 7591 client metadata' },
  },
} as const;

/** A secret is in a response only where it was just generated: shown once, never stored in the clear. */
export const clientWithSecret = {
  type: 'object',
  properties: { client: clientSummary, client_secret: { type: 'string' } },
} as const;

export const userSummary = {
  type: 'object',
  properties: {
    sub: { type: 'string' },
    username: { type: 'string' },
    email: { type: ['string', 'null'] },
    phone_number: { type: ['string', 'null'] },
    claims: freeObject,
    disabled: { type: 'boolean' },
    hasPassword: { type: 'boolean' },
    hasUserCode: { type: 'boolean' },
    createdAt: { type: 'integer' },
    updatedAt: { type: 'integer' },
  },
} as const;

const nullableInteger = { type: ['integer', 'null'] } as const;
const strings = { type: 'array', items: { type: 'string' } } as const;

export const requestSummary = {
  type: 'object',
  properties: {
    id: { type: 'string', description: 'the auth_req_id' },
    clientId: { type: 'string' },
    sub: { type: 'string' },
    scope: strings,
    acrValues: strings,
    bindingMessage: { type: ['string', 'null'] },
    deliveryMode: { enum: ['poll', 'ping', 'push'] },
    state: { enum: ['pending', 'approved', 'denied', 'expired', 'failed', 'issued'] },
    createdAt: { type: 'integer' },
    expiresAt: { type: 'integer' },
    purgeAt: { type: 'integer' },
    interval: { type: 'integer' },
    lastPollAt: nullableInteger,
    decidedAt: nullableInteger,
    authTime: nullableInteger,
    acr: { type: ['string', 'null'] },
    amr: { type: ['array', 'null'], items: { type: 'string' } },
    reason: { type: ['string', 'null'] },
  },
} as const;

export const keyInfo = {
  type: 'object',
  properties: {
    kid: { type: 'string' },
    alg: { type: 'string' },
    status: { enum: ['active', 'retired'] },
    createdAt: { type: 'integer' },
    retireAt: { ...nullableInteger, description: 'a retired key leaves the JWKS at this time (epoch ms)' },
    published: { type: 'boolean', description: 'in the JWKS now' },
    signing: { type: 'boolean', description: 'signs new tokens' },
  },
} as const;

export const rotation = {
  type: 'object',
  properties: {
    alg: { type: 'string' },
    kid: { type: 'string', description: 'the new key, which signs from now on' },
    retired: { type: 'array', items: { type: 'object', properties: { kid: { type: 'string' }, retireAt: { type: 'integer' } } } },
  },
} as const;

export const byClientId = {
  type: 'object',
  required: ['clientId'],
  properties: { clientId: { type: 'string', minLength: 1, maxLength: 128 } },
} as const;

export const bySub = {
  type: 'object',
  required: ['sub'],
  properties: { sub: { type: 'string', minLength: 1, maxLength: 255 } },
} as const;

export const byRequestId = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 128 } },
} as const;

export const limitQuery = { type: 'integer', minimum: 1, maximum: 1000, default: 100 } as const;
