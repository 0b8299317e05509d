/** Script call metrics: every scripted hook call, by script and version, from the hook runner. */
import type { ScriptCallObserver } from '../scripts/hook-runner.js';
import type { Metrics } from './registry.js';

export function scriptCallMetrics(metrics: Metrics): ScriptCallObserver {
  return ({ hook, script, version, durationUs, error }) => {
    const v = String(version);
    metrics.scriptCalls.inc({ hook, script, version: v, result: error ? error.kind : 'ok' });
    metrics.scriptDuration.observe({ script, version: v }, durationUs / 1e6);
    if (!error) return;
    metrics.scriptErrors.inc({ script, version: v, kind: error.kind });
    if (error.kind === 'timeout') metrics.scriptTimeouts.inc({ script, version: v });
  };
}
