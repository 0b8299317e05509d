/**
 * Builds the bundled notifiers that `cibaEndUserNotificationConfig` configures (its `email`,
 * `sms`, `push` and `webhook` sections, in the plugins' own config shapes). A section that
 * fails its plugin's validation stops start-up with a line naming it.
 */
import { ConfigError } from '../config/load.js';
import type { Config } from '../config/types.js';
import type { Channel, Notifier, NotifierLogger } from '../../plugins/notifier.js';
import { NotifierConfigError } from '../../plugins/shared/config.js';

export type Notifiers = Partial<Record<Channel, Notifier>>;

type Factory = (config: never, options: { logger: NotifierLogger }) => Notifier;

/**
 * Loaded only for configured channels: the Twilio client and nodemailer alone weigh ~35 MB of
 * memory, which an OP that does not send SMS or email should not carry.
 */
const FACTORIES: { [C in Channel]: () => Promise<Factory> } = {
  email: async () => (await import('../../plugins/email/index.js')).createEmailNotifier as Factory,
  sms: async () => (await import('../../plugins/sms/index.js')).createSmsNotifier as Factory,
  push: async () => (await import('../../plugins/fcm/index.js')).createFcmNotifier as Factory,
  webhook: async () => (await import('../../plugins/webhook/index.js')).createWebhookNotifier as Factory,
};

export async function createNotifiers(config: Config, logger: NotifierLogger): Promise<Notifiers> {
  const sections = config.cibaEndUserNotificationConfig;
  const notifiers: Notifiers = {};
  const problems: string[] = [];
  for (const channel of Object.keys(FACTORIES) as Channel[]) {
    const section = sections[channel];
    if (section === undefined) continue;
    try {
      notifiers[channel] = (await FACTORIES[channel]())(section as never, { logger });
    } catch (err) {
      if (!(err instanceof NotifierConfigError)) throw err;
      problems.push(`cibaEndUserNotificationConfig.${channel}: ${err.message}`);
    }
  }
  for (const channel of sections.channels) {
    if (channel !== 'log' && !notifiers[channel as Channel] && !problems.some((p) => p.includes(`.${channel}:`))) {
      problems.push(`cibaEndUserNotificationConfig.channels: ${channel} is listed but has no ${channel} section`);
    }
  }
  if (channelNeedsUrl(config) && !sections.webhookUrl) {
    problems.push('cibaEndUserNotificationConfig.webhookUrl: is required when the webhook channel is listed');
  }
  if (problems.length) {
    void closeNotifiers(notifiers);
    throw new ConfigError(problems);
  }
  return notifiers;
}

function channelNeedsUrl(config: Config): boolean {
  return config.cibaEndUserNotificationConfig.channels.includes('webhook');
}

export async function closeNotifiers(notifiers: Notifiers): Promise<void> {
  await Promise.all(Object.values(notifiers).map((n) => n.close()));
}
