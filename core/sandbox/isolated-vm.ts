/**
 * isolated-vm compiles against one V8, so each Node line needs its own major version: 5.0.4 for
 * Node 20 (module ABI 115) and 7.0.1 for Node 24 (ABI 137, under the npm alias
 * `isolated-vm-node24`; README "Runtime lines" says how it is added). A process loads the one
 * its ABI names and never tries another: two builds in one process would clash over V8 symbols.
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

function load(): typeof IsolatedVm {
  const name = isolatedVmPackage(process.versions.modules, process.version);
  try {
    return createRequire(import.meta.url)(name) as typeof IsolatedVm;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
    throw new Error(`${name} is not installed for Node ${process.version}: npm install (see README "Runtime lines")`, { cause: err });
  }
}

const ivm = load();
export default ivm;
