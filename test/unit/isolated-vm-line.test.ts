/** Which isolated-vm a process loads: the one built for its Node line, or a clear refusal. */
import { describe, expect, it } from 'vitest';
import ivm, { isolatedVmPackage } from '../../core/sandbox/isolated-vm.js';

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

  it('loaded the build for this process, which runs code', async () => {
    expect(isolatedVmPackage(process.versions.modules, process.version)).toBe('isolated-vm');
    const isolate = new ivm.Isolate({ memoryLimit: 8 });
    try {
      expect(await (await isolate.createContext()).eval('6 * 7')).toBe(42);
    } finally {
      isolate.dispose();
    }
  });
});
