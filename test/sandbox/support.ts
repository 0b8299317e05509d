/** Building blocks for the sandbox tests: compiled scripts, a recording CapabilityHost, a started pool. */
import { compileScript, SandboxPool, type CapabilityCall, type LoadedScript, type SandboxOptions } from '../../core/sandbox/index.js';

export function script(name: string, version: number, hook: string, source: string): LoadedScript {
  const { code, sourceMap } = compileScript(name, version, source);
  return { name, version, hook, code, sourceMap };
}

/** A script whose hook `h` is `body` (TypeScript, `ctx` and `api` in scope). */
export function hook(name: string, version: number, body: string): LoadedScript {
  return script(name, version, 'h', `export async function h(ctx: any, api: any) {\n${body}\n}\n`);
}

export type Answer = (call: CapabilityCall) => unknown;

/** A CapabilityHost that records every call and answers with `answer` (default: echo). */
export function recordingHost(answer: Answer = (call) => ({ echo: call.args })) {
  const calls: CapabilityCall[] = [];
  const host = async (call: CapabilityCall): Promise<unknown> => {
    calls.push(call);
    return answer(call);
  };
  return { host, calls };
}

export async function startPool(options: Partial<SandboxOptions> = {}, answer?: Answer) {
  const recorder = recordingHost(answer);
  const logs: Array<Record<string, unknown>> = [];
  const pool = new SandboxPool(options, recorder.host, (entry) => logs.push(entry as Record<string, unknown>));
  await pool.start();
  return { pool, calls: recorder.calls, logs };
}

/** Value of a successful call, or a test failure showing the error. */
export function valueOf(result: Awaited<ReturnType<SandboxPool['call']>>): unknown {
  if (!result.ok) throw new Error(`expected success, got ${JSON.stringify(result.error)}`);
  return result.value;
}
