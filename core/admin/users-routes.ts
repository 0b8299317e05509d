/** /admin/users: list, show, create, update claims, set password, set user code, disable/enable. */
import type { FastifyInstance } from 'fastify';
import type { OpContext } from '../context.js';
import { createUser, listUsers, setPassword, setUserCode, setUserDisabled, showUser, updateUser, type NewUser, type UserChanges } from './users.js';
import { bySub, freeObject, limitQuery, userSummary } from './schemas.js';

type BySub = { Params: { sub: string } };

const nullableString = { type: ['string', 'null'], maxLength: 255 } as const;
const password = { type: 'string', minLength: 8, maxLength: 1024 } as const;
const userCode = { type: 'string', minLength: 1, maxLength: 256 } as const;

const createBody = {
  type: 'object',
  required: ['username'],
  additionalProperties: false,
  properties: {
    sub: { type: 'string', minLength: 1, maxLength: 255, description: 'default: a random id' },
    username: { type: 'string', minLength: 1, maxLength: 255 },
    email: nullableString,
    phone_number: nullableString,
    claims: freeObject,
    password,
    user_code: userCode,
  },
} as const;

const updateBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 255 },
    email: nullableString,
    phone_number: nullableString,
    claims: { ...freeObject, description: 'merged into the stored claims; a member set to null is removed' },
  },
} as const;

export function usersRoutes(op: OpContext) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get<{ Querystring: { limit: number } }>(
      '/admin/users',
      {
        schema: {
          summary: 'List users (by sub)',
          querystring: { type: 'object', properties: { limit: limitQuery } },
          response: { 200: { type: 'object', properties: { users: { type: 'array', items: userSummary } } } },
        },
      },
      async (request) => ({ users: await listUsers(op, request.query.limit) }),
    );

    app.get<BySub>('/admin/users/:sub', { schema: { summary: 'Show a user', params: bySub, response: { 200: userSummary } } }, async (request) =>
      showUser(op, request.params.sub),
    );

    app.post<{ Body: NewUser }>('/admin/users', { schema: { summary: 'Create a user', body: createBody, response: { 201: userSummary } } }, async (request, reply) => {
      reply.code(201);
      return createUser(op, request.body);
    });

    app.patch<BySub & { Body: UserChanges }>(
      '/admin/users/:sub',
      { schema: { summary: 'Update username, email, phone number or claims', params: bySub, body: updateBody, response: { 200: userSummary } } },
      async (request) => updateUser(op, request.params.sub, request.body),
    );

    app.put<BySub & { Body: { password: string } }>(
      '/admin/users/:sub/password',
      { schema: { summary: 'Set the password', params: bySub, body: { type: 'object', required: ['password'], additionalProperties: false, properties: { password } }, response: { 200: userSummary } } },
      async (request) => setPassword(op, request.params.sub, request.body.password),
    );

    app.put<BySub & { Body: { user_code: string | null } }>(
      '/admin/users/:sub/user-code',
      {
        schema: {
          summary: 'Set (or with null remove) the CIBA user code',
          params: bySub,
          body: { type: 'object', required: ['user_code'], additionalProperties: false, properties: { user_code: { ...userCode, type: ['string', 'null'] } } },
          response: { 200: userSummary },
        },
      },
      async (request) => setUserCode(op, request.params.sub, request.body.user_code),
    );

    for (const [action, disabled] of [['disable', true], ['enable', false]] as const) {
      app.post<BySub>(
        `/admin/users/:sub/${action}`,
        { schema: { summary: `${action === 'disable' ? 'Disable' : 'Enable'} a user`, params: bySub, response: { 200: userSummary } } },
        async (request) => setUserDisabled(op, request.params.sub, disabled),
      );
    }
  };
}
