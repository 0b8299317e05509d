/** Which isolated-vm a process loads: the one built for its Node line, or a clear refusal. */
import { describe, expect, it } from 'vitest';
import ivm, { isolatedVmPackage, loadFailureMessage } from '../../core/sandbox/isolated-vm.js';

describe('isolated-vm line selection', () => {
  it('maps Node 20 to isolated-vm 5 and Node 24 to the 7.x alias', () => {
    expect(isolatedVmPackage('115', 'v20.20.2')).toBe('isolated-vm');
    expect(isolatedVmPackage('137', 'v24.9.0')).toBe('isolated-vm-node24');
  });

  it('refuses a Node line it has no build for, naming the supported ones', () => {
    expect(() => isolatedVmPackage('127', 'v22.12.0')).toThrow(
      'no isolated-vm line for Node v22.12.0 (module ABI 127): ciba-op runs on Node 20 (isolated-vm 5.0.4) and Node 24 (isolated-vm 7.0.1, package alias isolated-vm-node24)',
    );
  });

  it('says whether the line is missing or installed but broken, in one line', () => {
    const missing = Object.assign(new Error("Cannot find module 'isolated-vm-node24'\nRequire stack:\n- /x.ts"), { code: 'MODULE_NOT_FOUND' });
    expect(loadFailureMessage('isolated-vm-node24', 'v24.9.0', missing)).toMatch(
      /^isolated-vm-node24 is not installed for Node v24\.9\.0: run npm ci under this Node \(npm skips this optional dependency/,
    );
    // The package is there but its native build is not (a failed build, or one for another ABI).
    const noBinary = Object.assign(new Error("Cannot find module './out/isolated_vm'\nRequire stack:\n- /y.js"), { code: 'MODULE_NOT_FOUND' });
    const message = loadFailureMessage('isolated-vm', 'v20.20.2', noBinary);
    expect(message).toBe(
      `isolated-vm is installed but does not load on Node v20.20.2 (Cannot find module './out/isolated_vm'): reinstall it under this Node (npm ci, or npm rebuild isolated-vm; see README "Runtime lines")`,
    );
    expect(message).not.toContain('\n');
  });

  it('loaded the build for this process, which runs code', async () => {
    const expected = process.versions.modules === '137' ? 'isolated-vm-node24' : 'isolated-vm';
    expect(isolatedVmPackage(process.versions.modules, process.version)).toBe(expected);
    const isolate = new ivm.Isolate({ memoryLimit: 8 });
    try {
      expect(await (await isolate.createContext()).eval('6 * 7')).toBe(42);
    } finally {
      isolate.dispose();
    }
  });
});
