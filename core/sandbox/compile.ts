/**
 * TypeScript → the ES module a worker evaluates. esbuild only strips types (type-checking is
 * the CLI's `check`), so this is cheap enough (~1 ms) to run on every push. The source map
 * is kept apart from the code, without the source text (the store keeps the source), and is
 * what maps a runtime error's stack back to a TS line.
 */
import { createHash } from 'node:crypto';
import { transformSync, type Message } from 'esbuild';
import { scriptKey, sourceFileName } from './script-key.js';

export interface CompiledScript {
  code: string;
  sourceMap: string;
  /** SHA-256 (hex) of the TypeScript source: identifies what was pushed. */
  checksum: string;
}

export class CompileError extends Error {
  readonly script: string;
  readonly version: number;
  /** 1-based TS position of the first error. */
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(name: string, version: number, message: string, line?: number, column?: number) {
    super(message);
    this.name = 'CompileError';
    this.script = name;
    this.version = version;
    this.line = line;
    this.column = column;
  }
}

export function compileScript(name: string, version: number, source: string): CompiledScript {
  const key = scriptKey(name, version);
  try {
    const out = transformSync(source, {
      loader: 'ts',
      format: 'esm',
      // The V8 inside isolated-vm 5 (Node 20's) runs ES2022 natively.
      target: 'es2022',
      sourcemap: 'external',
      sourcesContent: false,
      sourcefile: sourceFileName(key),
      logLevel: 'silent',
    });
    return { code: out.code, sourceMap: out.map, checksum: createHash('sha256').update(source).digest('hex') };
  } catch (err) {
    throw toCompileError(name, version, err);
  }
}

function toCompileError(name: string, version: number, err: unknown): CompileError {
  const messages = esbuildMessages(err);
  const first = messages[0];
  const key = scriptKey(name, version);
  if (!first) return new CompileError(name, version, `${key}: ${err instanceof Error ? err.message : String(err)}`);
  const more = messages.length > 1 ? ` (and ${messages.length - 1} more)` : '';
  const loc = first.location;
  if (!loc) return new CompileError(name, version, `${key}: ${first.text}${more}`);
  // esbuild columns are 0-based; every position this engine reports is 1-based.
  const column = loc.column + 1;
  return new CompileError(name, version, `${sourceFileName(key)}:${loc.line}:${column}: ${first.text}${more}`, loc.line, column);
}

function esbuildMessages(err: unknown): Message[] {
  if (err instanceof Error && 'errors' in err && Array.isArray(err.errors)) return err.errors as Message[];
  return [];
}
