/** Outbox metrics: every callback attempt, delivery, retry and dead letter, as the outbox reports them. */
import type { DeliveryObserver } from '../ciba/outbox/index.js';
import type { Metrics } from './registry.js';

/** Counts each event, then tells `also` (a caller's own observer, e.g. a benchmark's). */
export function outboxMetrics(metrics: Metrics, also?: DeliveryObserver): DeliveryObserver {
  return (event, mode) => {
    metrics.outboxEvents.inc({ event, mode });
    also?.(event, mode);
  };
}
