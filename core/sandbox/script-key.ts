/**
 * How a script version is named everywhere: the pool and the workers key isolates and
 * in-flight calls by it, error messages start with it, and V8 stack frames carry it as the
 * module's file name, which is how a stack is mapped back to the TS source.
 */

export function scriptKey(name: string, version: number): string {
  return `${name}@${version}`;
}

/**
 * The isolate a call runs in. Dry runs get an isolate of their own, so a script that keeps an
 * `api` (or anything else) in module state cannot carry it between dry and real calls.
 */
export function isolateKey(name: string, version: number, dryRun: boolean): string {
  return dryRun ? `${scriptKey(name, version)} (dry run)` : scriptKey(name, version);
}

/** The file name the compiled module gets inside its isolate (seen in stack frames). */
export function moduleFileName(key: string): string {
  return `${key}.js`;
}

/** The file name the TypeScript source has in compile errors and in the source map. */
export function sourceFileName(key: string): string {
  return `${key}.ts`;
}
