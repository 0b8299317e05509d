/**
 * Type-checks a script against scripts/ciba-script.d.ts with the TypeScript compiler API on an
 * in-memory host: the module must compile under strict settings and export the hook with the
 * hook's signature. ~260 ms the first time in a process, ~30 ms after (lib files are cached).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import ts from 'typescript';
import { fromRoot } from '../paths.js';

export interface TypeProblem {
  line: number;
  column: number;
  message: string;
}

const SCRIPT = '/script/script.ts';
const PROBE = '/script/__hook_probe.ts';
const API = '/script/ciba-script.d.ts';

const require = createRequire(import.meta.url);
const libDir = dirname(require.resolve('typescript'));
const fileCache = new Map<string, ts.SourceFile>();

const OPTIONS: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ['lib.es2022.d.ts'],
  types: [],
  isolatedModules: true,
  verbatimModuleSyntax: false,
  skipLibCheck: true,
};

function libSource(fileName: string): ts.SourceFile | undefined {
  let cached = fileCache.get(fileName);
  if (!cached) {
    let text: string;
    try {
      text = readFileSync(fileName, 'utf8');
    } catch {
      return undefined;
    }
    cached = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true);
    fileCache.set(fileName, cached);
  }
  return cached;
}

export function typeCheckScript(source: string, hook: string): TypeProblem[] {
  const files = new Map<string, string>([
    [SCRIPT, source],
    [API, readFileSync(fromRoot('scripts', 'ciba-script.d.ts'), 'utf8')],
    // The export must exist and have the hook's type; this probe fails to compile otherwise.
    [PROBE, `/// <reference path="./ciba-script.d.ts" />\nimport { ${hook} as probe } from './script';\nimport type { Hooks } from 'ciba-op/script';\nexport const check: Hooks['${hook}'] = probe;\n`],
  ]);
  const host: ts.CompilerHost = {
    getSourceFile: (fileName) => {
      const text = files.get(fileName);
      if (text !== undefined) return ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true);
      return libSource(fileName.startsWith('/') ? fileName : join(libDir, fileName));
    },
    getDefaultLibFileName: () => join(libDir, 'lib.es2022.d.ts'),
    getDefaultLibLocation: () => libDir,
    writeFile: () => undefined,
    getCurrentDirectory: () => '/script',
    getCanonicalFileName: (f) => f,
    useCaseSensitiveFileNames: () => true,
    getNewLine: () => '\n',
    fileExists: (f) => files.has(f) || libSource(f) !== undefined,
    readFile: (f) => files.get(f) ?? libSource(f)?.text,
    resolveModuleNames: (names) =>
      names.map((name) => (name === './script' ? { resolvedFileName: SCRIPT, extension: ts.Extension.Ts } : undefined)),
  };
  const program = ts.createProgram({ rootNames: [SCRIPT, API, PROBE], options: OPTIONS, host });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  return diagnostics.map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file || d.start === undefined) return { line: 0, column: 0, message: text };
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    const where = d.file.fileName === PROBE ? `the script must export ${hook} with the ${hook} signature: ` : '';
    return { line: d.file.fileName === SCRIPT ? line + 1 : 0, column: d.file.fileName === SCRIPT ? character + 1 : 0, message: where + text };
  });
}
