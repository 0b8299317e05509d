/**
 * A throwaway CA and a server certificate for 127.0.0.1 it signed, made with the `openssl`
 * binary (no certificate generator package is installed). Peers in the tests serve with the
 * server pair; notifiers trust the CA through their `ca` option, exactly as a deployer with a
 * private CA would configure them.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TestTls {
  ca: string;
  key: string;
  cert: string;
}

let cached: TestTls | undefined;

export function testTls(): TestTls {
  cached ??= generate();
  return cached;
}

function generate(): TestTls {
  const dir = mkdtempSync(path.join(tmpdir(), 'ciba-op-tls-'));
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  try {
    openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', file('ca.key'));
    openssl('req', '-x509', '-new', '-key', file('ca.key'), '-subj', '/CN=ciba-op test CA', '-days', '2', '-out', file('ca.pem'));
    openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', file('server.key'));
    openssl('req', '-new', '-key', file('server.key'), '-subj', '/CN=127.0.0.1', '-out', file('server.csr'));
    writeFileSync(file('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
    openssl(
      'x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'),
      '-CAcreateserial', '-days', '2', '-extfile', file('ext.cnf'), '-out', file('server.pem'),
    );
    return {
      ca: readFileSync(file('ca.pem'), 'utf8'),
      key: readFileSync(file('server.key'), 'utf8'),
      cert: readFileSync(file('server.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
