/**
 * The load process: one phase against one server, started by bench/run.ts with the settings in
 * its environment. It tells the driver when the measured window opens and closes (the driver
 * samples the server's CPU then) and sends its result. It stops by itself if the driver goes
 * away.
 */
import { LOAD_SETTINGS_ENV, type LoadMessage, type LoadResult, type LoadSettings, type ServerMessage } from './protocol.js';
import { Http, Recorder, Window } from './load/http.js';
import { Links } from './load/links.js';
import { bcAuthorizePhase, flowsPhase, pendingPool, pollsPhase, type PhaseContext } from './load/phases.js';
import { PingReceiver, pingFlowsPhase } from './load/ping-flows.js';

function toDriver(message: LoadMessage): void {
  process.send?.(message);
}

/** Opens the window on the driver's side at the same moments it opens here. */
function announceWindow(settings: LoadSettings): { cpuShare: () => number } {
  let cpuAtStart = process.cpuUsage();
  setTimeout(() => {
    cpuAtStart = process.cpuUsage();
    toDriver({ type: 'window', edge: 'start' });
  }, settings.warmupMs);
  let share = Number.NaN;
  setTimeout(() => {
    const used = process.cpuUsage(cpuAtStart);
    share = (used.user + used.system) / (settings.measureMs * 1000);
    toDriver({ type: 'window', edge: 'end' });
  }, settings.warmupMs + settings.measureMs);
  return { cpuShare: () => share };
}

async function main(): Promise<void> {
  const raw = process.env[LOAD_SETTINGS_ENV];
  if (!raw || !process.send) throw new Error('bench/load.ts is started by bench/run.ts');
  const settings = JSON.parse(raw) as LoadSettings;
  process.on('disconnect', () => process.exit(1));

  const links = new Links();
  process.on('message', (message: ServerMessage) => {
    if (message.type === 'links') for (const [authReqId, link] of message.links) links.deliver(authReqId, link);
  });

  const connections = settings.phase === 'flows' || settings.phase === 'ping-flows' ? settings.flows : settings.concurrency;
  const http = new Http(settings.url, connections);
  const endpoints = await http.endpoints();
  const base = { http, endpoints, settings, links };

  // The polls phase fills its pool first; its window only opens after that. Nothing there
  // counts as a success, but its errors are reported with the phase's.
  const errors = new Map<string, number>();
  const poolWindow = new Window(0, 0);
  const ids = settings.phase === 'polls' ? await pendingPool({ ...base, window: poolWindow, recorder: new Recorder(poolWindow, errors) }) : [];
  if (settings.phase === 'ping-flows' && !settings.ping) throw new Error('the ping-flows phase needs its receiver settings');
  const receiver = settings.ping ? await PingReceiver.start(settings.ping) : null;
  const window = new Window(settings.warmupMs, settings.measureMs);
  const ctx: PhaseContext = { ...base, window, recorder: new Recorder(window, errors) };
  const cpu = announceWindow(settings);

  let poolWaits: number | undefined;
  if (settings.phase === 'bc-authorize') await bcAuthorizePhase(ctx);
  else if (settings.phase === 'bc-authorize-user-code') await bcAuthorizePhase(ctx, true);
  else if (settings.phase === 'polls') ({ poolWaits } = await pollsPhase(ctx, ids));
  else if (settings.phase === 'ping-flows') await pingFlowsPhase(ctx, receiver as PingReceiver);
  else await flowsPhase(ctx);
  receiver?.stop();

  const result: LoadResult = {
    phase: settings.phase,
    ok: ctx.recorder.ok,
    perSec: ctx.recorder.ok / (settings.measureMs / 1000),
    p50Us: ctx.recorder.latency(0.5),
    p99Us: ctx.recorder.latency(0.99),
    errors: Object.fromEntries(ctx.recorder.errors),
    loadCpu: cpu.cpuShare(),
    ...(poolWaits === undefined ? {} : { poolWaits }),
  };
  await http.close();
  // The driver stops this process once it has the result (exiting here could beat the message).
  toDriver({ type: 'result', result });
}

main().catch((err: unknown) => {
  console.error('load:', err);
  process.exit(1);
});
