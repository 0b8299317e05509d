/**
 * The Node.js flags the OP process runs with: `npm start`, `npm run dev` and the `ciba-op`
 * shebang carry them (test/unit/node-flags.test.ts keeps the three in step), and the benchmark
 * starts our OP with them.
 *
 * - `--no-node-snapshot`: isolated-vm needs it wherever isolates may run.
 * - `--max-semi-space-size=4` (MB): under load V8 grows each of the young generation's two
 *   semi-spaces to 16 MB and keeps them, 32 MB of a process whose own heap is ~25 MB. At 4 MB the
 *   benchmark's peak RSS fell from ~137 to ~110 MB with no throughput change it could measure
 *   (bench/RESULTS.md); 1 and 2 MB promoted more short-lived objects and peaked higher in the
 *   flows phase. Run `node` yourself to choose another size.
 */
export const OP_NODE_FLAGS = ['--no-node-snapshot', '--max-semi-space-size=4'] as const;
