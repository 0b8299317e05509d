/**
 * (c) RSS growth per script version: the OP's whole process tree (the OP and its sandbox
 * workers) before and after VERSIONS distinct versions of validateBindingMessage were each
 * activated and called. Activating a version retires the one before it, so this is what a
 * version leaves behind over hot reloads, not the cost of VERSIONS versions loaded at once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Http } from '../load/http.js';
import { USER_CODE_BODIES } from '../load/phases.js';
import { processTree, treeRssKb } from '../proc.js';
import { USER_CODES_ENV } from '../protocol.js';
import { startServer, stop } from '../run-once.js';
import { bundledSource, pushActive } from './admin.js';

export const VERSIONS = 20;
const CALLS_PER_VERSION = 50;
/** Lets retired isolates be freed and the allocators settle before a reading. */
const SETTLE_MS = 2_000;

export interface MemoryResult {
  versions: number;
  beforeMb: number;
  afterMb: number;
  perVersionMb: number;
  processes: number;
}

/** Each version's source differs, so each compiles to its own checksum and isolate. */
function versionSource(n: number): string {
  return `${bundledSource('validateBindingMessage')}\nexport const benchVersion = ${n};\n`;
}

async function callMany(http: Http, path: string, count: number): Promise<void> {
  for (let n = 0; n < count; n++) {
    const answer = await http.clientPost(path, USER_CODE_BODIES[n] as string);
    if (answer.status !== 200) throw new Error(`bc-authorize answered ${answer.status}: ${answer.text}`);
  }
}

async function settledRssMb(pid: number): Promise<number> {
  await sleep(SETTLE_MS);
  return treeRssKb(pid) / 1024;
}

export async function measureMemory(launcher: string): Promise<MemoryResult> {
  const { child, url } = await startServer('ciba-op', launcher, { [USER_CODES_ENV]: '1' });
  const http = new Http(url, 1);
  try {
    const pid = child.pid as number;
    const { backchannel } = await http.endpoints();
    // The baseline already has a script active and its workers running: growth is per version.
    await pushActive(url, 'validateBindingMessage', 'validateBindingMessage', versionSource(0));
    await callMany(http, backchannel, CALLS_PER_VERSION);
    const beforeMb = await settledRssMb(pid);
    for (let n = 1; n <= VERSIONS; n++) {
      await pushActive(url, 'validateBindingMessage', 'validateBindingMessage', versionSource(n));
      await callMany(http, backchannel, CALLS_PER_VERSION);
    }
    const afterMb = await settledRssMb(pid);
    return { versions: VERSIONS, beforeMb, afterMb, perVersionMb: (afterMb - beforeMb) / VERSIONS, processes: processTree(pid).length };
  } finally {
    await http.close();
    await stop(child);
  }
}
