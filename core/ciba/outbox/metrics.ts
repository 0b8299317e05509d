/**
 * Counts of what the callback outbox did, per process: attempts (requests sent), deliveries,
 * retries scheduled and dead letters. `observe` is the hook for the metrics endpoint: it hears
 * every event as it happens, with the delivery mode.
 */
import type { CallbackMode } from '../../store/ports.js';

export type DeliveryEvent = 'attempt' | 'delivered' | 'retry' | 'dead_letter';

export type DeliveryObserver = (event: DeliveryEvent, mode: CallbackMode) => void;

export type DeliveryCounts = Record<DeliveryEvent, number>;

export class DeliveryMetrics {
  private readonly counts: DeliveryCounts = { attempt: 0, delivered: 0, retry: 0, dead_letter: 0 };

  constructor(private readonly observe?: DeliveryObserver) {}

  record(event: DeliveryEvent, mode: CallbackMode): void {
    this.counts[event] += 1;
    this.observe?.(event, mode);
  }

  snapshot(): DeliveryCounts {
    return { ...this.counts };
  }
}
