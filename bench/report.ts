/**
 * Turns the runs into the medians table, the ratios against the issue's targets, and the
 * per-run detail, as Markdown for bench/RESULTS.md.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg, totalmem } from 'node:os';
import type { LoadResult, PhaseName, ServerKind } from './protocol.js';
import { median } from './stats.js';

export interface RunRecord extends LoadResult {
  round: number;
  server: ServerKind;
  /** Highest resident set of the server from its start to the end of this phase. */
  peakRssMb: number;
  /** Server and driver CPU during the measured window, as a share of one core. */
  serverCpu: number;
  driverCpu: number;
}

export interface BenchSettings {
  rounds: number;
  warmupSec: number;
  measureSec: number;
  concurrency: number;
  flows: number;
  pollPool: number;
}

const num = (n: number | null, digits = 0): string => (n !== null && Number.isFinite(n) ? n.toFixed(digits) : '—');
export const ms = (us: number | null): string => num(us === null ? null : us / 1000, 2);

function runsOf(runs: readonly RunRecord[], server: ServerKind, phase?: PhaseName): RunRecord[] {
  return runs.filter((r) => r.server === server && (phase === undefined || r.phase === phase));
}

/** Per round, the server's peak over all its phases; then the median over rounds. */
function peakRss(runs: readonly RunRecord[], server: ServerKind): number {
  const byRound = new Map<number, number>();
  for (const r of runsOf(runs, server)) byRound.set(r.round, Math.max(byRound.get(r.round) ?? 0, r.peakRssMb));
  return median([...byRound.values()]);
}

interface Row {
  metric: string;
  ours: number;
  theirs: number;
  /** Ratio ours/theirs must be ≥ (or, for memory, ≤) this. */
  target: { atLeast: number } | { atMost: number } | null;
  format: (n: number) => string;
}

function rows(runs: readonly RunRecord[]): Row[] {
  const med = (server: ServerKind, phase: PhaseName, pick: (r: RunRecord) => number | null): number =>
    median(runsOf(runs, server, phase).map(pick).filter((v): v is number => v !== null && Number.isFinite(v)));
  const out: Row[] = [];
  const phases: { phase: PhaseName; label: string; target: number }[] = [
    { phase: 'bc-authorize', label: 'bc-authorize req/s', target: 1.5 },
    { phase: 'polls', label: 'pending polls/s', target: 1.5 },
    { phase: 'flows', label: 'full flows/s', target: 1.3 },
    { phase: 'ping-flows', label: 'ping full flows/s', target: 1.5 },
  ];
  for (const { phase, label, target } of phases) {
    if (!runs.some((r) => r.phase === phase)) continue;
    const what = phase === 'flows' ? 'flow' : phase === 'ping-flows' ? 'ping flow' : phase === 'polls' ? 'poll' : 'bc-authorize';
    out.push({ metric: label, ours: med('ciba-op', phase, (r) => r.perSec), theirs: med('oidc-provider', phase, (r) => r.perSec), target: { atLeast: target }, format: (n) => num(n) });
    // Successes per second of server CPU: what the shared machine's other tenants disturb least.
    out.push({ metric: `${label.replace('/s', '')} per server CPU-second`, ours: med('ciba-op', phase, (r) => r.perSec / r.serverCpu), theirs: med('oidc-provider', phase, (r) => r.perSec / r.serverCpu), target: null, format: (n) => num(n) });
    out.push({ metric: `${what} p50 latency (ms)`, ours: med('ciba-op', phase, (r) => r.p50Us), theirs: med('oidc-provider', phase, (r) => r.p50Us), target: null, format: ms });
    out.push({ metric: `${what} p99 latency (ms)`, ours: med('ciba-op', phase, (r) => r.p99Us), theirs: med('oidc-provider', phase, (r) => r.p99Us), target: null, format: ms });
  }
  out.push({ metric: 'peak RSS (MB)', ours: peakRss(runs, 'ciba-op'), theirs: peakRss(runs, 'oidc-provider'), target: { atMost: 1 / 3 }, format: (n) => num(n) });
  return out;
}

function targetCells(row: Row): [string, string] {
  if (!row.target) return ['', ''];
  const ratio = row.ours / row.theirs;
  if ('atLeast' in row.target) return [`≥ ${row.target.atLeast}×`, ratio >= row.target.atLeast ? 'yes' : '**no**'];
  return ['≤ 0.33×', ratio <= row.target.atMost ? 'yes' : '**no**'];
}

export function medians(runs: readonly RunRecord[]): string {
  const lines = ['| Metric (median of rounds) | ciba-op | oidc-provider | ours/theirs | Target | Met |', '|---|---:|---:|---:|---|---|'];
  for (const row of rows(runs)) {
    const [target, met] = targetCells(row);
    lines.push(`| ${row.metric} | ${row.format(row.ours)} | ${row.format(row.theirs)} | ${num(row.ours / row.theirs, 2)}× | ${target} | ${met} |`);
  }
  return lines.join('\n');
}

function detail(runs: readonly RunRecord[]): string {
  const lines = [
    '| Round | Phase | Server | ok/s | p50 ms | p99 ms | peak RSS MB | server CPU | load CPU | driver CPU | errors |',
    '|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of runs) {
    const errors = Object.entries(r.errors).map(([kind, n]) => `${kind}: ${n}`);
    if (r.poolWaits) errors.push(`pool waits: ${r.poolWaits}`);
    lines.push(
      `| ${r.round} | ${r.phase} | ${r.server} | ${num(r.perSec)} | ${ms(r.p50Us)} | ${ms(r.p99Us)} | ${num(r.peakRssMb)} | ${num(r.serverCpu * 100)} % | ${num(r.loadCpu * 100)} % | ${num(r.driverCpu * 100)} % | ${errors.join('; ') || '0'} |`,
    );
  }
  return lines.join('\n');
}

/** The commit measured; others may be editing the tree, so say when it differs from it. */
function revision(): string {
  try {
    const git = (...args: string[]): string => execFileSync('git', args, { encoding: 'utf8' }).trim();
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain') ? ' plus uncommitted changes in the tree' : ''}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

/** `opRoot`: the BENCH_OP_ROOT build measured instead of this checkout, if any. */
export function machine(opRoot: string | null): string {
  const cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  return [
    `- Code: ${opRoot ? `our OP from ${opRoot} (BENCH_OP_ROOT); bench from ${revision()}` : revision()}`,
    `- CPUs (nproc): ${availableParallelism()}; model: ${cpu}`,
    `- Memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- Node.js: ${process.version}`,
    `- Load average at start (1/5/15 min): ${loadAverage()}`,
  ].join('\n');
}

/** Other tenants of this shared machine show up here; the bench itself adds about 2. */
export function loadAverage(): string {
  return loadavg().map((l) => l.toFixed(2)).join(' / ');
}

export function markdown(runs: readonly RunRecord[], settings: BenchSettings, started: Date, machineInfo: string): string {
  return [
    `## Run of ${started.toISOString()}`,
    '',
    machineInfo,
    `- Load average at end: ${loadAverage()}`,
    `- Settings: ${settings.rounds} rounds, ${settings.warmupSec} s warm-up + ${settings.measureSec} s measured per phase, ` +
      `${settings.concurrency} requests in flight (bc-authorize, polls), ${settings.flows} concurrent flows (flows, ping-flows), ${settings.pollPool} pending ids polled round-robin`,
    '',
    medians(runs),
    '',
    '### Every run',
    '',
    detail(runs),
    '',
  ].join('\n');
}
