/**
 * The three measured phases. Each sends the same requests to either server; what counts as a
 * success is written next to each phase and in RESULTS.md.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { CIBA_GRANT, POLL_INTERVAL_SEC, USER_CODE, USERS, userSub, type LoadSettings } from '../protocol.js';
import { errorKind, failureKind, runWorkers, type Endpoints, type Http, type Recorder, type Window } from './http.js';
import type { Links } from './links.js';

/** Requests cycle through the users so no single record is the hot one. */
export const BC_BODIES = Array.from({ length: USERS }, (_, n) => `scope=openid&login_hint=${userSub(n)}`);
/** The same, with what makes validateUserCode and validateBindingMessage run. */
export const USER_CODE_BODIES = BC_BODIES.map((body, n) => `${body}&user_code=${USER_CODE}&binding_message=B${n}`);

/**
 * An id is polled again no sooner than this after its previous answer came back. The server
 * recorded that poll before answering, so the gap it sees is longer than the interval and our
 * OP's slow_down rule can never fire; oidc-provider 9 has no such rule.
 */
const REPOLL_GAP_MS = POLL_INTERVAL_SEC * 1000 + 50;
export const LINK_TIMEOUT_MS = 10_000;
/** Both servers' authenticator-app API (ours: core/enduser/api-routes.ts). */
const APP_API = { request: '/enduser/api/request', decision: '/enduser/api/decision' };

export interface PhaseContext {
  http: Http;
  endpoints: Endpoints;
  settings: LoadSettings;
  window: Window;
  recorder: Recorder;
  links: Links;
}

/** One bc-authorize; the auth_req_id on 200, otherwise the error is recorded and null returned. */
async function bcAuthorize(ctx: PhaseContext, n: number, step: string, bodies = BC_BODIES): Promise<string | null> {
  try {
    const answer = await ctx.http.clientPost(ctx.endpoints.backchannel, bodies[n % USERS] as string);
    const id = answer.status === 200 ? (JSON.parse(answer.text) as { auth_req_id?: unknown }).auth_req_id : undefined;
    if (typeof id === 'string') return id;
    ctx.recorder.error(errorKind(step, answer));
  } catch (err) {
    ctx.recorder.error(failureKind(step, err));
  }
  return null;
}

/** Success = 200 with an auth_req_id; `withUserCode` adds a user_code and a binding_message. */
export async function bcAuthorizePhase(ctx: PhaseContext, withUserCode = false): Promise<void> {
  const bodies = withUserCode ? USER_CODE_BODIES : BC_BODIES;
  let n = 0;
  await runWorkers(ctx.settings.concurrency, ctx.window, async () => {
    const start = process.hrtime.bigint();
    if (await bcAuthorize(ctx, n++, 'bc-authorize', bodies)) ctx.recorder.success(start);
  });
}

/** Creates the pending requests the polls phase polls; done before its window opens. */
export async function pendingPool(ctx: PhaseContext): Promise<string[]> {
  const ids: string[] = [];
  let n = 0;
  await Promise.all(
    Array.from({ length: ctx.settings.concurrency }, async () => {
      while (n < ctx.settings.pollPool) {
        const id = await bcAuthorize(ctx, n++, 'pool bc-authorize');
        if (id) ids.push(id);
      }
    }),
  );
  return ids;
}

/**
 * Polls the pending ids round-robin. Success = 400 `authorization_pending`; `slow_down` or any
 * other answer is an error. When the next id is not pollable yet the worker waits for it and
 * `poolWaits` grows: the rate was then capped by the pool size, not by the server.
 */
export async function pollsPhase(ctx: PhaseContext, ids: readonly string[]): Promise<{ poolWaits: number }> {
  const readyAt = new Float64Array(ids.length);
  let next = 0;
  let poolWaits = 0;
  await runWorkers(ctx.settings.concurrency, ctx.window, async () => {
    const index = next++ % ids.length;
    const wait = (readyAt[index] as number) - performance.now();
    if (wait > 0) {
      poolWaits++;
      await sleep(wait);
    }
    readyAt[index] = Number.POSITIVE_INFINITY;
    const start = process.hrtime.bigint();
    try {
      const answer = await ctx.http.clientPost(ctx.endpoints.token, `grant_type=${CIBA_GRANT}&auth_req_id=${ids[index]}`);
      if (answer.status === 400 && answer.text.includes('"authorization_pending"')) ctx.recorder.success(start);
      else ctx.recorder.error(errorKind('token', answer));
    } catch (err) {
      ctx.recorder.error(failureKind('token', err));
    }
    readyAt[index] = performance.now() + REPOLL_GAP_MS;
  });
  return { poolWaits };
}

/**
 * One whole flow as an RP and an end-user's authenticator app would run it: bc-authorize → the
 * link arrives (over IPC) → GET the request and POST approve with the link token → one token
 * request. Success = the token request
 * answers 200 with an id_token; latency is the whole flow's.
 */
async function flow(ctx: PhaseContext, n: number): Promise<void> {
  const start = process.hrtime.bigint();
  const id = await bcAuthorize(ctx, n, 'bc-authorize');
  if (!id) return;
  const step: FlowStep = { name: 'link' };
  try {
    if (await approveByLink(ctx, id, step)) await redeem(ctx, id, start, step);
  } catch (err) {
    ctx.recorder.error(failureKind(step.name, err));
  }
}

/** The step of a flow running now, so that a failure is counted under it. */
export interface FlowStep {
  name: string;
}

/**
 * The link arrives (over IPC) → GET the request and POST approve with the link token. False, with
 * the error recorded, when a step answers otherwise than 200; throws on a network failure.
 */
export async function approveByLink(ctx: PhaseContext, id: string, step: FlowStep): Promise<boolean> {
  const { http, recorder } = ctx;
  step.name = 'link';
  const link = new URL(await ctx.links.waitFor(id, LINK_TIMEOUT_MS));
  const token = link.searchParams.get('token') ?? '';
  step.name = 'app GET';
  const shown = await http.appGet(APP_API.request, token);
  if (shown.status !== 200) {
    recorder.error(errorKind(step.name, shown));
    return false;
  }
  step.name = 'app POST';
  const decided = await http.appPost(APP_API.decision, token, { decision: 'approve' });
  if (decided.status !== 200) {
    recorder.error(errorKind(step.name, decided));
    return false;
  }
  return true;
}

/** One token request for `id`. Success = 200 with an id_token, the flow timed from `start`. */
export async function redeem(ctx: PhaseContext, id: string, start: bigint, step: FlowStep): Promise<void> {
  step.name = 'token';
  const tokens = await ctx.http.clientPost(ctx.endpoints.token, `grant_type=${CIBA_GRANT}&auth_req_id=${id}`);
  const idToken = tokens.status === 200 ? (JSON.parse(tokens.text) as { id_token?: unknown }).id_token : undefined;
  if (typeof idToken === 'string') ctx.recorder.success(start);
  else ctx.recorder.error(errorKind(step.name, tokens));
}

export async function flowsPhase(ctx: PhaseContext): Promise<void> {
  let n = 0;
  await runWorkers(ctx.settings.flows, ctx.window, () => flow(ctx, n++));
}
