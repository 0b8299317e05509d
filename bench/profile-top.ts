/**
 * Summarises a V8 .cpuprofile (from BENCH_PROFILE runs) as the top costs: self time by
 * function, total (inclusive) time by function, and self time by package or by our own
 * directory — all as a share of the busy (non-idle) time.
 *
 *   node --import tsx bench/profile-top.ts bench/out/profiles/ciba-op-polls-r1.cpuprofile [top]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame lives: a package, our dist/ directory, or the engine and Node internals. */
function area(url: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] as string;
  const ours = /\/dist\/(.+)\/[^/]+\.js$/.exec(url);
  if (ours) return `ours: ${ours[1]}`;
  if (url.startsWith('node:')) return 'node internals';
  return url ? url.replace(/^.*\//, '') : '(engine: GC, native, program)';
}

function frameKey(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'} ${where}`.trim();
}

function add(map: Map<string, number>, key: string, value: number): void {
  map.set(key, (map.get(key) ?? 0) + value);
}

function table(title: string, map: Map<string, number>, busy: number, top: number): string {
  const rows = [...map].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [`${title}`, ...rows.map(([key, us]) => `${((100 * us) / busy).toFixed(1).padStart(6)} %  ${key}`)].join('\n');
}

function main(): void {
  const [file, topArg] = process.argv.slice(2);
  if (!file) throw new Error('usage: profile-top.ts <file.cpuprofile> [top]');
  const top = Number(topArg ?? 25);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const areas = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const node = byId.get(id) as ProfileNode;
    if (node.callFrame.functionName === '(idle)') {
      idle += us;
      return;
    }
    busy += us;
    add(self, frameKey(node), us);
    add(areas, area(node.callFrame.url) + (node.callFrame.url ? '' : ` ${node.callFrame.functionName}`), us);
    const onStack = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) onStack.add(frameKey(byId.get(at) as ProfileNode));
    for (const key of onStack) add(total, key, us);
  });

  console.log(`${file}: busy ${(busy / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s\n`);
  console.log(table('Self time by area', areas, busy, top), '\n');
  console.log(table('Self time by function', self, busy, top), '\n');
  console.log(table('Total time by function (on the stack)', total, busy, top));
}

main();
