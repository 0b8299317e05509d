/**
 * Bundled default for the notifyEndUser hook. The user's registered devices come first (the
 * authenticator apps they enrolled): each is sent the request, since any of them may be the
 * phone in their hand. When none of them took it, the user's channels are tried in ORDER until
 * one delivers. (The built-in does the same with the order in
 * `cibaEndUserNotificationConfig.channels`.) Every attempt is recorded; failures are results,
 * not exceptions, so falling through needs no try/catch. If nothing is delivered the auth
 * request fails and the client is told the end-user could not be reached.
 */
import type { Channel, EndUserMessage, NotifyEndUser, NotifyEndUserContext, NotifyResult, SentMessage, User } from 'ciba-op/script';

const ORDER: Channel[] = ['sms', 'email'];

function recipient(channel: Channel, user: User): string | null {
  if (channel === 'sms') return user.phone_number;
  if (channel === 'email') return user.email;
  return null;
}

function message(to: string, ctx: NotifyEndUserContext): EndUserMessage {
  return {
    to,
    authReqId: ctx.authReqId,
    sub: ctx.user.sub,
    client: { id: ctx.client.id, name: ctx.client.name ?? ctx.client.id, ...(ctx.client.logoUri ? { logoUri: ctx.client.logoUri } : {}) },
    scopes: ctx.scopes,
    bindingMessage: ctx.bindingMessage,
    link: ctx.link,
    expiresAt: ctx.expiresAt,
  };
}

function record(result: NotifyResult): SentMessage {
  if (result.delivered) {
    return { channel: result.channel, delivered: true, ...(result.providerMessageId ? { providerMessageId: result.providerMessageId } : {}) };
  }
  return { channel: result.channel, delivered: false, error: `${result.error.code}: ${result.error.message}` };
}

export const notifyEndUser: NotifyEndUser = async (ctx, api) => {
  const sent: SentMessage[] = [];
  for (const device of ctx.devices) {
    sent.push(record(await api.notify[device.channel](message(device.address, ctx))));
  }
  if (sent.some((m) => m.delivered)) return { sent };
  for (const channel of ORDER) {
    const to = recipient(channel, ctx.user);
    if (!to) continue;
    const result = await api.notify[channel](message(to, ctx));
    sent.push(record(result));
    if (result.delivered) break;
    await api.log('warn', 'channel failed, trying the next', { channel, code: result.error.code });
  }
  return { sent };
};
