/**
 * Notifier attempt metrics. The bundled notifiers are reached from two places (the built-in
 * notifyEndUser and scripts' api.notify.*); wrapping the notifiers themselves counts both.
 */
import type { Notifiers } from '../notify/notifiers.js';
import type { Notifier } from '../../plugins/notifier.js';
import type { Metrics } from './registry.js';

export function countedNotifiers(notifiers: Notifiers, metrics: Metrics): Notifiers {
  const counted: Notifiers = {};
  for (const [channel, notifier] of Object.entries(notifiers) as Array<[keyof Notifiers, Notifier]>) {
    counted[channel] = {
      channel: notifier.channel,
      async send(message, logger) {
        const result = await notifier.send(message, logger);
        metrics.notifierAttempts.inc({ channel: notifier.channel, result: result.delivered ? 'delivered' : result.error.code });
        return result;
      },
      close: () => notifier.close(),
    };
  }
  return counted;
}
