/**
 * Script-store filters and updates that MongoDB and the embedded store's matcher both take
 * unchanged, so the two adapters cannot drift apart on what a push, an activation or an error record does.
 */
import type { ScriptRecord, ScriptVersionRecord } from './ports.js';

export const REVISION_ID = 'scriptRevision';

export function versionId(name: string, version: number): string {
  return `${name}@${version}`;
}

export function secretId(script: string, name: string): string {
  return `${script}/${name}`;
}

/** A new script record for the first push of a name; `latestVersion` is then incremented. */
export function newScript(version: Omit<ScriptVersionRecord, 'version'>): Omit<ScriptRecord, 'latestVersion'> {
  return {
    name: version.name,
    hook: version.hook,
    activeVersion: null,
    errorCount: 0,
    lastError: null,
    quarantine: null,
    createdAt: version.createdAt,
    updatedAt: version.createdAt,
  };
}

export function activateUpdate(version: number | null, now: number) {
  return { $set: { activeVersion: version, quarantine: null, updatedAt: now } };
}

export function errorUpdate(version: number, message: string, now: number) {
  return { $inc: { errorCount: 1 }, $set: { lastError: { version, message: message.slice(0, 2000), at: now } } };
}

export function quarantineUpdate(version: number, reason: string, now: number) {
  return { $set: { quarantine: { version, reason: reason.slice(0, 2000), at: now }, updatedAt: now } };
}

/** Versions to delete: beyond the newest `keep`, never the protected one. `versions` newest first. */
export function versionsToPrune(versions: readonly number[], keep: number, protect: number | null): number[] {
  return versions.slice(keep).filter((v) => v !== protect);
}
