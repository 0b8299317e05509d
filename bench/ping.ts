/**
 * The driver's side of the `ping-flows` phase: the test CA and its 127.0.0.1 certificate
 * (test/plugins/support/tls.ts, made once per bench run and written to a temporary directory),
 * and per run a fresh port for the load's receiver. The server launcher learns the endpoint and
 * the CA file from its environment (PING_ENDPOINT_ENV, PING_CA_ENV) and registers its bench
 * client as a ping client trusting that CA; the load learns the port and certificate files.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testTls } from '../test/plugins/support/tls.js';
import { PING_CA_ENV, PING_ENDPOINT_ENV, type PingReceiverSettings } from './protocol.js';
import { freePort } from '../test/support/free-port.js';

export class PingSetup {
  private constructor(private readonly dir: string) {}

  static create(): PingSetup {
    const tls = testTls();
    const dir = mkdtempSync(join(tmpdir(), 'ciba-bench-ping-'));
    writeFileSync(join(dir, 'ca.pem'), tls.ca);
    writeFileSync(join(dir, 'server.key'), tls.key);
    writeFileSync(join(dir, 'server.pem'), tls.cert);
    return new PingSetup(dir);
  }

  /** The launcher's environment and the load's receiver settings for one run. */
  async forRun(): Promise<{ env: Record<string, string>; ping: PingReceiverSettings }> {
    const port = await freePort();
    return {
      env: { [PING_ENDPOINT_ENV]: `https://127.0.0.1:${port}/cb`, [PING_CA_ENV]: join(this.dir, 'ca.pem') },
      ping: { port, keyFile: join(this.dir, 'server.key'), certFile: join(this.dir, 'server.pem') },
    };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
