/**
 * Works one claimed outbox entry: reads the auth request (the truth about what happened), builds
 * the ping or push body, sends it once, and settles the entry under its lease — delivered (and
 * removed), retried later with backoff, or dead-lettered. An entry can be claimed before the
 * decision that queued it has landed (entries are written just before the transition); it then
 * waits, unsent.
 */
import type { Logger } from '../../context.js';
import type { AuthRequestRecord, OutboxEntry, OutboxSettlement } from '../../store/ports.js';
import { OutboundRefused } from '../../net/address-policy.js';
import { pingBody } from '../ping.js';
import { pushErrorBody, pushTokenBody, type PushDeps } from '../push.js';
import { retryDelay, type BackoffPolicy } from './backoff.js';
import type { DeliveryMetrics } from './metrics.js';
import type { CallbackPoster } from './post.js';

export interface SenderDeps extends PushDeps {
  log: Logger;
  poster: CallbackPoster;
  metrics: DeliveryMetrics;
  backoff: BackoffPolicy;
  leaseMs: number;
  timeoutMs: number;
}

/** Headroom a lease must have when an attempt starts: the attempt's deadline plus the store's writes. */
const LEASE_MARGIN_MS = 1000;

type Prepared =
  | { kind: 'send'; endpoint: string; bearer: string; body: string }
  | { kind: 'wait'; until: number }
  | { kind: 'dead'; reason: string }
  | { kind: 'lost' };

type Verdict = { kind: 'delivered' } | { kind: 'retry'; reason: string } | { kind: 'final'; reason: string };

/**
 * Ping and push both: 2xx is delivered. 408, 429 and 5xx are the client's passing trouble, like a
 * network error or a timeout; every other answer (401/403 included) will not change by asking
 * again, and a 3xx is never followed.
 */
function judge(status: number): Verdict {
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  if (status === 408 || status === 429 || status >= 500) return { kind: 'retry', reason: `HTTP ${status}` };
  if (status >= 300 && status < 400) return { kind: 'final', reason: `HTTP ${status} (redirects are not followed)` };
  return { kind: 'final', reason: `HTTP ${status}` };
}

function failureOf(err: unknown): Verdict {
  if (err instanceof OutboundRefused) return { kind: 'final', reason: `endpoint refused: ${err.message}` };
  const code = (err as { code?: unknown }).code;
  const reason = typeof code === 'string' ? code : err instanceof Error ? err.message : String(err);
  return { kind: 'retry', reason };
}

/** The request as the callback must report it: a pending one past its expiry is expired first. */
async function finalState(deps: SenderDeps, record: AuthRequestRecord, now: number): Promise<AuthRequestRecord | null> {
  if (record.state !== 'pending' || record.expiresAt > now) return record;
  await deps.store.authRequests.expire([record.id], now);
  return deps.store.authRequests.get(record.id);
}

async function prepare(deps: SenderDeps, entry: OutboxEntry, now: number): Promise<Prepared> {
  if (now >= entry.deadline) return { kind: 'dead', reason: 'its deadline passed before it could be delivered' };
  const found = await deps.store.authRequests.get(entry.id);
  const record = found && (await finalState(deps, found, now));
  if (!record) return { kind: 'dead', reason: 'the auth request no longer exists' };
  if (record.state === 'pending') return { kind: 'wait', until: Math.min(now + deps.leaseMs, record.expiresAt) };
  const client = await deps.store.clients.get(entry.clientId);
  const endpoint = client?.metadata.backchannel_client_notification_endpoint;
  const bearer = record.clientNotificationToken;
  if (!client || !endpoint || !bearer) return { kind: 'dead', reason: 'the client, its notification endpoint or the notification token is gone' };
  let body: string | null;
  if (entry.mode === 'ping') body = pingBody(record.id);
  else if (record.state === 'approved' || (record.state === 'issued' && entry.sealedPayload)) body = await pushTokenBody(deps, entry, record, client);
  else if (record.state === 'issued') return { kind: 'dead', reason: 'its tokens were issued but are no longer held' };
  else body = pushErrorBody(record);
  return body === null ? { kind: 'lost' } : { kind: 'send', endpoint, bearer, body };
}

export class CallbackSender {
  constructor(private readonly deps: SenderDeps) {}

  /** Returns when to look for this entry again (a retry or a wait), or null when it is settled or lost. */
  async process(claimed: OutboxEntry): Promise<number | null> {
    const { deps } = this;
    const entry = await this.withLease(claimed);
    if (!entry) return null;
    const now = deps.now();
    const prepared = await prepare(deps, entry, now);
    switch (prepared.kind) {
      case 'lost':
        return null;
      case 'wait':
        await this.settle(entry, { status: 'queued', nextAttemptAt: prepared.until, attempted: false, lastError: null });
        return prepared.until;
      case 'dead':
        await this.deadLetter(entry, prepared.reason, false);
        return null;
      case 'send':
        return this.send(entry, prepared);
    }
  }

  private async send(entry: OutboxEntry, { endpoint, bearer, body }: Extract<Prepared, { kind: 'send' }>): Promise<number | null> {
    const { deps } = this;
    deps.metrics.record('attempt', entry.mode);
    const verdict = await deps.poster.post(endpoint, bearer, body).then(judge, failureOf);
    const fields = { authReqId: entry.id, clientId: entry.clientId, mode: entry.mode, attempt: entry.attempts + 1 };
    if (verdict.kind === 'delivered') {
      await deps.store.outbox.complete(entry.id, entry.leaseOwner as string);
      deps.metrics.record('delivered', entry.mode);
      deps.log.debug(fields, 'callback delivered');
      return null;
    }
    const next = deps.now() + retryDelay(entry.attempts + 1, deps.backoff);
    if (verdict.kind === 'final' || next >= entry.deadline) {
      const reason = verdict.kind === 'final' ? verdict.reason : `${verdict.reason}; no retry before the deadline`;
      await this.deadLetter(entry, reason, true);
      return null;
    }
    await this.settle(entry, { status: 'queued', nextAttemptAt: next, attempted: true, lastError: verdict.reason });
    deps.metrics.record('retry', entry.mode);
    deps.log.info({ ...fields, error: verdict.reason, nextAttemptAt: next }, 'callback failed, will retry');
    return next;
  }

  /** Undelivered push tokens must not stay usable: the grant they belong to is revoked. */
  private async deadLetter(entry: OutboxEntry, reason: string, attempted: boolean): Promise<void> {
    const { deps } = this;
    const settled = await this.settle(entry, { status: 'dead', attempted, lastError: reason });
    if (!settled) return;
    if (settled.grantId) await deps.store.tokens.revokeGrant(settled.grantId);
    deps.metrics.record('dead_letter', entry.mode);
    deps.log.warn(
      { authReqId: entry.id, clientId: entry.clientId, mode: entry.mode, attempts: settled.attempts, error: reason },
      'callback dead-lettered',
    );
  }

  private settle(entry: OutboxEntry, settlement: OutboxSettlement): Promise<OutboxEntry | null> {
    return this.deps.store.outbox.settle(entry.id, entry.leaseOwner as string, settlement, this.deps.now());
  }

  /** The entry with enough lease left for a whole attempt (renewed if need be), or null when the lease is gone. */
  private async withLease(entry: OutboxEntry): Promise<OutboxEntry | null> {
    const { deps } = this;
    const now = deps.now();
    if (entry.leaseExpiresAt - now >= deps.timeoutMs + LEASE_MARGIN_MS) return entry;
    return deps.store.outbox.renew(entry.id, entry.leaseOwner as string, now + deps.leaseMs, now);
  }
}
