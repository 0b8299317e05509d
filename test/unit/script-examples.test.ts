import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromRoot } from '../../core/paths.js';
import { typeCheckScript } from '../../core/scripts/typecheck.js';

describe('scripts/examples', () => {
  const examples = readdirSync(fromRoot('scripts', 'examples')).filter((f) => f.endsWith('.ts'));

  it.each(examples)('%s type-checks against ciba-script.d.ts', (file) => {
    // Examples are named <hook>.<what>.ts.
    const hook = file.split('.')[0] as string;
    expect(typeCheckScript(readFileSync(fromRoot('scripts', 'examples', file), 'utf8'), hook)).toEqual([]);
  });
});
