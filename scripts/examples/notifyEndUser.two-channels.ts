/**
 * Example: tell the user by email and, at the same time, tell your own backend by signed
 * webhook (its URL kept as a script secret). The request counts as delivered if either arrives.
 */
import type { EndUserMessage, NotifyEndUser, NotifyResult } from 'ciba-op/script';

export const notifyEndUser: NotifyEndUser = async (ctx, api) => {
  const base: Omit<EndUserMessage, 'to'> = {
    authReqId: ctx.authReqId,
    sub: ctx.user.sub,
    client: { id: ctx.client.id, name: ctx.client.name ?? ctx.client.id },
    scopes: ctx.scopes,
    bindingMessage: ctx.bindingMessage,
    link: ctx.link,
    expiresAt: ctx.expiresAt,
  };
  const backend = await api.secrets.get('webhook-url');
  const attempts = await Promise.all([
    ctx.user.email ? api.notify.email({ ...base, to: ctx.user.email }) : null,
    backend ? api.notify.webhook({ ...base, to: backend }) : null,
  ]);
  return {
    sent: attempts
      .filter((a): a is NotifyResult => a !== null)
      .map((a) => (a.delivered ? { channel: a.channel, delivered: true } : { channel: a.channel, delivered: false, error: a.error.code })),
  };
};
