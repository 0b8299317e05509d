/**
 * Builds the bundled notifiers that `cibaEndUserNotificationConfig` configures (its `email`,
 * `sms`, `push` and `webhook` sections, in the plugins' own config shapes). A section that
 * fails its plugin's validation stops start-up with a line naming it.
 */
import { ConfigError } from '../config/load.js';
import type { Config } from '../config/types.js';
import type { Channel, Notifier, NotifierLogger } from '../../plugins/notifier.js';
import { NotifierConfigError } from '../../plugins/shared/config.js';
import { createEmailNotifier, type EmailNotifierConfig } from '../../plugins/email/index.js';
import { createSmsNotifier, type SmsNotifierConfig } from '../../plugins/sms/index.js';
import { createFcmNotifier, type FcmNotifierConfig } from '../../plugins/fcm/index.js';
import { createWebhookNotifier, type WebhookNotifierConfig } from '../../plugins/webhook/index.js';

export type Notifiers = Partial<Record<Channel, Notifier>>;

const FACTORIES: { [C in Channel]: (config: never, options: { logger: NotifierLogger }) => Notifier } = {
  email: createEmailNotifier as (c: EmailNotifierConfig, o: { logger: NotifierLogger }) => Notifier,
  sms: createSmsNotifier as (c: SmsNotifierConfig, o: { logger: NotifierLogger }) => Notifier,
  push: createFcmNotifier as (c: FcmNotifierConfig, o: { logger: NotifierLogger }) => Notifier,
  webhook: createWebhookNotifier as (c: WebhookNotifierConfig, o: { logger: NotifierLogger }) => Notifier,
};

export function createNotifiers(config: Config, logger: NotifierLogger): Notifiers {
  const sections = config.cibaEndUserNotificationConfig;
  const notifiers: Notifiers = {};
  const problems: string[] = [];
  for (const channel of Object.keys(FACTORIES) as Channel[]) {
    const section = sections[channel];
    if (section === undefined) continue;
    try {
      notifiers[channel] = FACTORIES[channel](section as never, { logger });
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
