/**
 * How a script failure is reported: always naming `name@version`, and, when a stack points
 * into the script, the TS position. V8 names the module by its file name in stack frames
 * (`at resolveLoginHint (name@3.js:4:13)`); the first such frame, mapped through the
 * version's esbuild source map, gives `name@3.ts:12:5`.
 */
import { SourceMap } from 'node:module';
import { moduleFileName, scriptKey, sourceFileName } from './script-key.js';
import type { LoadedScript, SandboxError, SandboxErrorKind } from './types.js';

interface SourcePosition {
  /** 1-based. */
  line: number;
  column: number;
}

export function scriptError(script: LoadedScript, kind: SandboxErrorKind, message: string, stack?: string): SandboxError {
  const key = scriptKey(script.name, script.version);
  const at = stack === undefined ? undefined : locateInSource(stack, key, script.sourceMap);
  if (!at) return { kind, message: `${key}: ${message}` };
  return { kind, message: `${sourceFileName(key)}:${at.line}:${at.column}: ${message}`, line: at.line, column: at.column };
}

function locateInSource(stack: string, key: string, sourceMap: string): SourcePosition | undefined {
  const frame = firstFrameIn(stack, moduleFileName(key));
  if (!frame) return undefined;
  try {
    const origin = new SourceMap(JSON.parse(sourceMap)).findOrigin(frame.line, frame.column);
    return 'lineNumber' in origin ? { line: origin.lineNumber, column: origin.columnNumber } : undefined;
  } catch {
    // A damaged map only costs the position, never the error report.
    return undefined;
  }
}

function firstFrameIn(stack: string, file: string): SourcePosition | undefined {
  // Frames start after the first line, which is the (script-chosen) message.
  const at = stack.indexOf(`${file}:`, stack.indexOf('\n') + 1);
  if (at < 0) return undefined;
  const match = /^(\d+):(\d+)/.exec(stack.slice(at + file.length + 1));
  return match ? { line: Number(match[1]), column: Number(match[2]) } : undefined;
}
