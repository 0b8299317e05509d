/**
 * Transpiles the two launchers to plain JavaScript under bench/out/servers/ so the servers run
 * on bare `node`: a TypeScript loader (tsx) would add its own ~40 MB to the RSS we compare.
 * bench/ modules are bundled in; packages and our dist/ stay imports.
 */
import { build, stop } from 'esbuild';
import { fileURLToPath } from 'node:url';
import type { ServerKind } from './protocol.js';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export async function buildServers(): Promise<Record<ServerKind, string>> {
  const outdir = here('./out/servers');
  await build({
    entryPoints: [here('./servers/ciba-op.ts'), here('./servers/oidc-provider.ts')],
    outdir,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  // esbuild keeps a service process for further builds; there are none.
  await stop();
  return { 'ciba-op': `${outdir}/ciba-op.js`, 'oidc-provider': `${outdir}/oidc-provider.js` };
}
