/**
 * The sandbox engine: compile a TypeScript interception script, run its hook in a pool of
 * isolated-vm worker processes. The script registry (versions, hot reload, admin API) builds
 * on this. See README.md in this folder for what scripts may do and how they fail.
 */
export { compileScript, CompileError, type CompiledScript } from './compile.js';
export { SandboxPool, type SandboxPoolEvents } from './pool.js';
export { CAPABILITY_ARITY, type CapabilityName } from './capabilities.js';
export {
  DEFAULT_SANDBOX_OPTIONS,
  type CallMeta,
  type CapabilityCall,
  type CapabilityHost,
  type LoadedScript,
  type QuarantineRecord,
  type SandboxError,
  type SandboxErrorKind,
  type SandboxOptions,
  type SandboxResult,
  type SandboxStats,
} from './types.js';
