/**
 * One collection's file, in nedb's on-disk format so data dirs written by the nedb-based store
 * keep working (and the other way round): one JSON document per line with its key as `_id`; a
 * later line for the same `_id` replaces the earlier one; `{"$$deleted":true,"_id":…}` deletes
 * it; `$$indexCreated`/`$$indexRemoved` lines (nedb's index definitions) are ignored.
 *
 * Writes are appended. The lines of one event-loop turn go out in one `write` (group commit),
 * and each writer's promise settles after its line is in the file: in the page cache, which a
 * killed process does not lose (there is no fsync per write; a power cut may lose the last
 * writes). Compaction rewrites the file to the live records through `<file>~` and a rename,
 * nedb's own temp name, so either store recovers from a crash in the middle of it.
 */
import { mkdir, open, readFile, rename, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/** The file line of a stored record: the record's JSON with `_id` spliced in first, no copy. */
export function recordLine(key: string, record: object): string {
  const json = JSON.stringify(record);
  const id = `{"_id":${JSON.stringify(key)}`;
  return json === '{}' ? `${id}}` : `${id},${json.slice(1)}`;
}

export function deletionLine(key: string): string {
  return `{"$$deleted":true,"_id":${JSON.stringify(key)}}`;
}

export interface LoadedFile<T> {
  /** Live records by `_id`, as `toRecord` made them. */
  records: Map<string, T>;
  /** True when the file holds anything besides the live documents: worth compacting. */
  garbage: boolean;
}

/**
 * Replays the file. A crash in the middle of an append can only tear the end of the file, so
 * unreadable lines at the end (after the last readable one) are skipped with a warning; an
 * unreadable line followed by a readable one means the file was damaged some other way, and
 * loading fails naming file and line rather than start without those records. (nedb tolerated
 * up to 10 % unreadable lines anywhere; nedb compacts on every load, so a file it wrote never has
 * a torn line before the end either.)
 */
export async function loadFile<T>(
  file: string,
  toRecord: (document: Record<string, unknown>) => T,
  warn: (message: string) => void,
): Promise<LoadedFile<T>> {
  await recoverCompaction(file);
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { records: new Map(), garbage: false };
    throw err;
  }
  const records = new Map<string, T>();
  let lines = 0;
  let torn: number[] = [];
  let lineNo = 0;
  for (let start = 0; start < data.length; ) {
    let end = data.indexOf(0x0a, start);
    if (end === -1) end = data.length;
    lineNo += 1;
    const text = data.toString('utf8', start, end);
    start = end + 1;
    if (text === '') continue;
    lines += 1;
    const doc = parseLine(text);
    if (doc === undefined) {
      torn.push(lineNo);
      continue;
    }
    if (torn.length > 0) {
      throw new Error(
        `embedded store: ${file} line ${torn[0]} is corrupt (not a JSON document) and is followed by valid lines; ` +
          'refusing to start without the records it held. Restore the file from a backup, or delete that line to drop them.',
      );
    }
    const id = doc._id;
    if (typeof id !== 'string' || id === '') continue; // nedb's index lines, or nothing of ours
    // Converted at once, so the parsed document dies young instead of being kept until the end.
    if (doc.$$deleted === true) records.delete(id);
    else records.set(id, toRecord(doc));
  }
  if (torn.length > 0) {
    warn(`embedded store: ${file}: skipped unreadable line(s) ${torn.join(', ')} at the end of the file (a write cut short by a crash)`);
  }
  const complete = data.length === 0 || data[data.length - 1] === 0x0a;
  return { records, garbage: lines !== records.size || !complete };
}

function parseLine(text: string): Record<string, unknown> | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return undefined;
  // nedb writes a Date as {"$$date": ms}. Our records keep times as epoch ms, so one read back
  // becomes that number (which is also what the ports' types say every time is).
  return text.includes('"$$date"') ? (undatedDocument(doc) as Record<string, unknown>) : (doc as Record<string, unknown>);
}

function undatedDocument(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length === 1 && keys[0] === '$$date' && typeof record.$$date === 'number') return record.$$date;
  for (const key of keys) record[key] = undatedDocument(record[key]);
  return value;
}

/** nedb's rule: no file but a `<file>~` means a crash between writing the temp file and the rename. */
async function recoverCompaction(file: string): Promise<void> {
  if (await exists(file)) return;
  if (await exists(`${file}~`)) await rename(`${file}~`, file);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

interface Batch {
  promise: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

function batch(): Batch {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Every writer of the batch awaits it; a failure must not also surface as unhandled here.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

const RESOLVED = Promise.resolve();
/** Lines per write() when compacting, so a large collection never becomes one giant string. */
const LINES_PER_CHUNK = 4096;

/** Appends and compactions of one file, one I/O at a time and in order. */
export class Journal {
  private handle: FileHandle | undefined;
  private lines: string[] = [];
  private pending: Batch | undefined;
  private tail: Promise<void> = RESOLVED;
  /** Lines appended since the last compaction's snapshot: zero means compacting changes nothing. */
  private appended = 0;
  private closed = false;

  constructor(readonly file: string) {}

  /** Creates the directory and the (empty) file, and opens it for appending. */
  async open(): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    this.handle = await open(this.file, 'a');
  }

  /** Queues a line; the promise settles once it (and every line before it) is in the file. */
  append(line: string): Promise<void> {
    this.lines.push(line);
    this.appended += 1;
    return this.schedule();
  }

  /** The batch the queued lines go out with, and its flush, once per batch. */
  private schedule(): Promise<void> {
    if (this.pending === undefined) {
      this.pending = batch();
      // setImmediate runs after the current turn's promise jobs: every write of the turn joins.
      setImmediate(() => void this.io(() => this.flush()));
    }
    return this.pending.promise;
  }

  /** Settles once everything appended so far is in the file. */
  written(): Promise<void> {
    return this.pending?.promise ?? this.tail;
  }

  get dirty(): boolean {
    return this.appended > 0;
  }

  /**
   * Rewrites the file to `snapshot()`, the live records' lines, taken when the compaction gets
   * its turn: the lines still queued then are part of that state and are not written again.
   */
  compact(snapshot: () => Iterable<string>): Promise<void> {
    return this.io(async () => {
      const lines = snapshot();
      const superseded = this.pending;
      const queued = this.lines;
      const appended = this.appended;
      this.lines = [];
      this.pending = undefined;
      this.appended = 0;
      try {
        await this.rewrite(lines);
        superseded?.resolve();
      } catch (err) {
        superseded?.reject(err);
        // The queued lines go back in front, to be appended next: the file is the old one, or
        // (when only reopening failed) the snapshot, which the same lines again leave unchanged.
        this.lines = [...queued, ...this.lines];
        this.appended += appended;
        if (this.lines.length > 0) this.schedule();
        throw err;
      }
    });
  }

  /** Waits for queued writes, then closes the file; later writes (a straggling job) still land. */
  async close(): Promise<void> {
    this.closed = true;
    await this.io(async () => {
      await this.flush();
      await this.handle?.close();
      this.handle = undefined;
    });
  }

  private io(operation: () => Promise<void>): Promise<void> {
    const done = this.tail.then(operation);
    this.tail = done.catch(() => undefined);
    return done;
  }

  private async flush(): Promise<void> {
    const current = this.pending;
    if (current === undefined) return; // taken by a compaction meanwhile
    const text = this.lines.join('\n') + '\n';
    this.lines = [];
    this.pending = undefined;
    try {
      const handle = this.handle ?? (await open(this.file, 'a'));
      try {
        await appendWhole(handle, text);
      } finally {
        if (handle !== this.handle) await handle.close();
      }
      current.resolve();
    } catch (err) {
      // The change stays in memory and `dirty`: the next compaction writes it.
      current.reject(err);
    }
  }

  private async rewrite(lines: Iterable<string>): Promise<void> {
    const temp = `${this.file}~`;
    const out = await open(temp, 'w');
    try {
      let chunk: string[] = [];
      for (const line of lines) {
        chunk.push(line);
        if (chunk.length === LINES_PER_CHUNK) {
          await out.appendFile(chunk.join('\n') + '\n');
          chunk = [];
        }
      }
      if (chunk.length > 0) await out.appendFile(chunk.join('\n') + '\n');
      // The rename must never expose a file whose content is not on disk yet.
      await out.sync();
    } finally {
      await out.close();
    }
    await rename(temp, this.file);
    await syncDirectory(dirname(this.file));
    const old = this.handle;
    if (old) {
      // Forgotten first: were reopening to fail, later appends open the file for each write.
      this.handle = undefined;
      await old.close();
      if (!this.closed) this.handle = await open(this.file, 'a');
    }
  }
}

/**
 * Appends `text` (appendFile, unlike write(), retries a short write until all of it is in), or
 * nothing: a failure part-way (a full disk) is cut off again, so no torn line is left for later
 * lines to follow — a torn line mid-file would stop the next start-up.
 */
async function appendWhole(handle: FileHandle, text: string): Promise<void> {
  const { size } = await handle.stat();
  try {
    await handle.appendFile(text);
  } catch (err) {
    await handle.truncate(size).catch(() => undefined);
    throw err;
  }
}

/** Makes the rename itself durable; not every platform can open a directory, which is fine. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Windows, some network file systems: the rename is as durable as they make it.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
