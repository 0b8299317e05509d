/**
 * What the driver reads about a server from /proc (Linux): the resident memory of its process
 * tree (the OP and its sandbox workers) every 100 ms and the high-water mark the kernel keeps
 * (VmHWM), and the tree's CPU time at the edges of the measured window, to show whether the
 * server or the load was the bottleneck.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const SAMPLE_MS = 100;

/** Kernel clock ticks per second, the unit of utime/stime in /proc/<pid>/stat. */
const TICKS_PER_SEC = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : 0;
}

/** The process and its descendants (sandbox workers run script code outside the OP process). */
export function processTree(pid: number): number[] {
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    const parent = tree[i] as number;
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${parent}/task`);
    } catch {
      continue; // gone since it was listed
    }
    for (const task of tasks) {
      try {
        const children = readFileSync(`/proc/${parent}/task/${task}/children`, 'utf8').trim();
        if (children) tree.push(...children.split(' ').map(Number));
      } catch {
        // the thread ended in between
      }
    }
  }
  return tree;
}

/** Summed VmRSS of a process tree; members that exit while being read count as nothing. */
export function treeRssKb(pid: number): number {
  return processTree(pid).reduce((sum, p) => sum + tryRead(() => statusKb(p, 'VmRSS')), 0);
}

function treeCpuSeconds(pid: number): number {
  return processTree(pid).reduce((sum, p) => sum + tryRead(() => cpuSeconds(p)), 0);
}

function tryRead(read: () => number): number {
  try {
    return read();
  } catch {
    return 0;
  }
}

/** utime + stime in seconds; the fields after the `(comm)`, which may itself hold spaces. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SEC;
}

export class ProcSampler {
  private peakKb = 0;
  private readonly timer: NodeJS.Timeout;
  private windowStart: { cpu: number; at: number } | null = null;
  private cpuShare = Number.NaN;

  constructor(private readonly pid: number) {
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
    this.sample();
  }

  /** The process may be gone between two samples; what was read before stands. */
  private sample(): void {
    try {
      // The root's high-water mark stands in for its RSS (it catches peaks between samples);
      // the children add their current RSS.
      const children = treeRssKb(this.pid) - statusKb(this.pid, 'VmRSS');
      this.peakKb = Math.max(this.peakKb, statusKb(this.pid, 'VmHWM') + children);
    } catch {
      clearInterval(this.timer);
    }
  }

  windowOpened(): void {
    this.windowStart = { cpu: treeCpuSeconds(this.pid), at: performance.now() };
  }

  windowClosed(): void {
    if (!this.windowStart) return;
    const seconds = (performance.now() - this.windowStart.at) / 1000;
    this.cpuShare = (treeCpuSeconds(this.pid) - this.windowStart.cpu) / seconds;
  }

  /** Call while the process still runs: takes a last sample. */
  stop(): { peakRssMb: number; serverCpu: number } {
    this.sample();
    clearInterval(this.timer);
    return { peakRssMb: this.peakKb / 1024, serverCpu: this.cpuShare };
  }
}
