/**
 * isolated-vm compiles against one V8, so each Node line needs its own major version: 5.0.4 for
 * Node 20 (module ABI 115, package `isolated-vm`) and 7.0.1 for Node 24 (ABI 137, the npm alias
 * `isolated-vm-node24`). Both are optional dependencies: npm installs the one whose `engines`
 * match and whose native build succeeds, and skips the other (README "Runtime lines"). A process
 * loads the one its ABI names and never tries another: two builds in one process would clash
 * over V8 symbols.
 *
 * Only sandbox worker processes import this module (through version-runtime.ts), and the OP
 * starts its workers on the first scripted call, so an OP with a missing or broken isolated-vm
 * runs until a script is called; then the workers fail to start with the error built here.
 */
import { createRequire } from 'node:module';
import type IsolatedVm from 'isolated-vm';

const PACKAGE_BY_ABI: Readonly<Record<string, string>> = {
  '115': 'isolated-vm',
  '137': 'isolated-vm-node24',
};

export function isolatedVmPackage(abi: string, nodeVersion: string): string {
  const name = PACKAGE_BY_ABI[abi];
  if (!name) {
    throw new Error(
      `no isolated-vm line for Node ${nodeVersion} (module ABI ${abi}): ciba-op runs on Node 20 (isolated-vm 5.0.4) and Node 24 (isolated-vm 7.0.1, package alias isolated-vm-node24)`,
    );
  }
  return name;
}

/**
 * Why `name` could not be loaded, in one line. The worker's output tail is what reaches the OP's
 * log, so the message carries the first line of the original error rather than a long `cause`.
 */
export function loadFailureMessage(name: string, nodeVersion: string, err: unknown): string {
  const first = (err instanceof Error ? err.message : String(err)).split('\n', 1)[0] ?? '';
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'MODULE_NOT_FOUND' && first.includes(`'${name}'`)) {
    return `${name} is not installed for Node ${nodeVersion}: run npm ci under this Node (npm skips this optional dependency when its engines do not match or its native build fails: look for its install error; see README "Runtime lines")`;
  }
  return `${name} is installed but does not load on Node ${nodeVersion} (${first}): reinstall it under this Node (npm ci, or npm rebuild ${name}; see README "Runtime lines")`;
}

function load(): typeof IsolatedVm {
  const name = isolatedVmPackage(process.versions.modules, process.version);
  try {
    return createRequire(import.meta.url)(name) as typeof IsolatedVm;
  } catch (err) {
    throw new Error(loadFailureMessage(name, process.version, err));
  }
}

const ivm = load();
export default ivm;
