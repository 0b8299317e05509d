import { SourceMap } from 'node:module';
import { describe, expect, it } from 'vitest';
import { CompileError, compileScript } from '../../core/sandbox/index.js';

describe('compileScript', () => {
  it('strips types to an ES module with a separate source map and a checksum of the source', () => {
    const source = "import type { Api } from 'ciba-op/script';\n\nexport async function h(ctx: { n: number }, api: Api): Promise<number> {\n  return ctx.n;\n}\n";
    const out = compileScript('s', 1, source);
    expect(out.code).toContain('async function h(ctx, api)');
    expect(out.code).not.toContain('sourceMappingURL');
    expect(out.code).not.toContain('ciba-op/script');
    const map = JSON.parse(out.sourceMap) as { sources: string[]; sourcesContent?: unknown };
    expect(map.sources).toEqual(['s@1.ts']);
    expect(map.sourcesContent).toBeUndefined();
    expect(new SourceMap(JSON.parse(out.sourceMap)).findOrigin(2, 10)).toMatchObject({ lineNumber: 4 });
    expect(out.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(compileScript('s', 2, source).checksum).toBe(out.checksum);
  });

  it('reports a syntax error with the script name, version and 1-based TS line and column', () => {
    const source = 'export async function h(ctx: unknown) {\n  const x: number = ;\n  return x;\n}\n';
    let error: unknown;
    try {
      compileScript('resolveLoginHint', 7, source);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CompileError);
    const compileError = error as CompileError;
    expect(compileError).toMatchObject({ script: 'resolveLoginHint', version: 7, line: 2, column: 21 });
    expect(compileError.message).toBe('resolveLoginHint@7.ts:2:21: Unexpected ";"');
  });
});
