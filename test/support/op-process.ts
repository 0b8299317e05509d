/**
 * An OP in a process of its own, for tests that kill one: `node --import tsx op-process.ts
 * <config.json>`. It loads the code first and says `{"msg":"loaded"}`, then builds and starts the
 * OP (createOp, as the CLI does) when a line arrives on stdin, so a test can have its next
 * process ready while the current one still owns the embedded data dir. Logs go to stdout as JSON.
 */
import { once } from 'node:events';
import { loadConfig } from '../../core/config/load.js';
import { createOp } from '../../core/op.js';

const configFile = process.argv[2];
if (!configFile) throw new Error('usage: op-process.ts <config.json>');
process.stdout.write(`${JSON.stringify({ msg: 'loaded' })}\n`);
await once(process.stdin, 'data');
const op = await createOp(loadConfig({ file: configFile, env: {} }));
const url = await op.listen();
op.context.log.info({ url }, 'ciba-op listening');
process.once('SIGTERM', () => void op.close().then(() => process.exit(0)));
