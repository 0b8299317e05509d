/** The OP's Node flags are the same wherever it is started from: npm start, npm run dev, the ciba-op shebang. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OP_NODE_FLAGS } from '../../core/cli/node-flags.js';

const root = new URL('../../', import.meta.url);
const scripts = (JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: Record<string, string> }).scripts;

/** The flags between `node` and the first argument that is not one. */
function nodeFlags(commandLine: string): string[] {
  const words = commandLine.slice(commandLine.indexOf('node ') + 'node '.length).split(/\s+/);
  const flags: string[] = [];
  for (let i = 0; i < words.length && words[i]?.startsWith('--'); i++) {
    // `--import tsx` is a loader for running from source, not one of the OP's flags.
    if (words[i] === '--import') i++;
    else flags.push(words[i] as string);
  }
  return flags;
}

describe('the OP process flags', () => {
  it('are what npm start, npm run dev and the ciba-op shebang pass to node', () => {
    const shebang = readFileSync(new URL('bin/ciba-op.js', root), 'utf8').split('\n')[0] as string;
    expect(nodeFlags(scripts.start as string)).toEqual([...OP_NODE_FLAGS]);
    expect(nodeFlags(scripts.dev as string)).toEqual([...OP_NODE_FLAGS]);
    expect(nodeFlags(shebang)).toEqual([...OP_NODE_FLAGS]);
  });
});
