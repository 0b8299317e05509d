/**
 * Bundled default for the notifyEndUser hook: tries the user's channels in ORDER and stops at
 * the first that delivers, recording every attempt. (The built-in does the same with the order
 * in `cibaEndUserNotificationConfig.channels`.) Failures are results, not exceptions, so
 * falling through needs no try/catch. If nothing is delivered the auth request fails and the
 * client is told the end-user could not be reached.
 */
import type { Channel, EndUserMessage, NotifyEndUser, NotifyEndUserContext, SentMessage, User } from 'ciba-op/script';

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

export const notifyEndUser: NotifyEndUser = async (ctx, api) => {
  const sent: SentMessage[] = [];
  for (const channel of ORDER) {
    const to = recipient(channel, ctx.user);
    if (!to) continue;
    const result = await api.notify[channel](message(to, ctx));
    if (result.delivered) {
      sent.push({ channel, delivered: true, ...(result.providerMessageId ? { providerMessageId: result.providerMessageId } : {}) });
      break;
    }
    await api.log('warn', 'channel failed, trying the next', { channel, code: result.error.code });
    sent.push({ channel, delivered: false, error: `${result.error.code}: ${result.error.message}` });
  }
  return { sent };
};
