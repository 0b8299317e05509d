/**
 * What both launchers do around their server: take the port the driver chose, talk to the
 * driver over IPC, profile on request, and never outlive the driver (a crashed driver must not
 * leave servers behind).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { PORT_ENV, SERVER_MAX_LIFETIME_MS, type ProfileCommand, type ServerMessage } from '../protocol.js';

/** Finer than V8's 1 ms default: an 8 s window then holds ~30k samples. */
const PROFILE_SAMPLING_US = 250;

export function benchPort(): number {
  const port = Number(process.env[PORT_ENV]);
  if (!Number.isInteger(port) || port <= 0) throw new Error(`${PORT_ENV} must be a port number`);
  return port;
}

export function toDriver(message: ServerMessage): void {
  process.send?.(message);
}

let unsent: [string, string][] = [];

/**
 * Hands a new request's verification link to the driver. Links go out in one message per
 * event-loop turn: one IPC write per request cost either server ~14 % of its CPU in the
 * bc-authorize phase (a syscall each), a bench artifact that would blur the comparison.
 */
export function sendLink(authReqId: string, link: string): void {
  if (unsent.length === 0) {
    setImmediate(() => {
      toDriver({ type: 'links', links: unsent });
      unsent = [];
    });
  }
  unsent.push([authReqId, link]);
}

/**
 * The V8 CPU profiler (what `--cpu-prof` uses), started and stopped by the driver so that a
 * profile holds the measured window only — not start-up, warm-up or the polls phase's pool.
 * The session is opened only when asked for, so unprofiled runs carry no inspector.
 */
async function profile(command: ProfileCommand, session: { current: Session | null }): Promise<void> {
  if (command.action === 'start') {
    session.current = new Session();
    session.current.connect();
    await session.current.post('Profiler.enable');
    await session.current.post('Profiler.setSamplingInterval', { interval: PROFILE_SAMPLING_US });
    await session.current.post('Profiler.start');
    return;
  }
  if (!session.current) return;
  const { profile: data } = await session.current.post('Profiler.stop');
  writeFileSync(command.file, JSON.stringify(data));
  session.current.disconnect();
  session.current = null;
  toDriver({ type: 'profiled', file: command.file });
}

export function stopWithDriver(): void {
  if (!process.send) throw new Error('a bench server must be started by bench/run.ts (it needs the IPC channel)');
  process.on('disconnect', () => process.exit(0));
  setTimeout(() => process.exit(0), SERVER_MAX_LIFETIME_MS).unref();
  const session = { current: null as Session | null };
  // One command after the other: a stop must not overtake the start it follows on a busy loop.
  let commands = Promise.resolve();
  process.on('message', (message: ProfileCommand) => {
    if (message.type !== 'profile') return;
    commands = commands.then(() => profile(message, session)).catch((err: unknown) => console.error('profile:', err));
  });
}
