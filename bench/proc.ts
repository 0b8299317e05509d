/**
 * What the driver reads about a server process from /proc (Linux): its resident memory every
 * 100 ms and the high-water mark the kernel keeps (VmHWM), and its CPU time at the edges of the
 * measured window, to show whether the server or the load was the bottleneck.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

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
      this.peakKb = Math.max(this.peakKb, statusKb(this.pid, 'VmRSS'), statusKb(this.pid, 'VmHWM'));
    } catch {
      clearInterval(this.timer);
    }
  }

  windowOpened(): void {
    this.windowStart = { cpu: cpuSeconds(this.pid), at: performance.now() };
  }

  windowClosed(): void {
    if (!this.windowStart) return;
    const seconds = (performance.now() - this.windowStart.at) / 1000;
    this.cpuShare = (cpuSeconds(this.pid) - this.windowStart.cpu) / seconds;
  }

  /** Call while the process still runs: takes a last sample. */
  stop(): { peakRssMb: number; serverCpu: number } {
    this.sample();
    clearInterval(this.timer);
    return { peakRssMb: this.peakKb / 1024, serverCpu: this.cpuShare };
  }
}
