import fs from 'node:fs';
import { UsageError } from './usage-error.js';

const FLUSH_AT = 64 * 1024;

/**
 * Where output lines go: FILE or stdout. Lines are gathered and written in
 * batches of whole lines, one write at a time, off the event loop (a slow
 * reader of stdout blocks a write, not procpool's signal handling): nothing
 * else writes to the file, so lines are never interleaved, and a write is
 * never split inside a line by this process. (A process SIGKILLed inside a
 * write of many pages can still leave a cut last line; `--resume` drops it.)
 */
export class Output {
  readonly #fd: number;
  readonly #name: string;
  #pending: string[] = [];
  #size = 0;
  #writing = 0;
  #error: NodeJS.ErrnoException | undefined;
  #idle: (() => void)[] = [];
  /** Called when a write ended (the backlog shrank) or failed. */
  onWritten: () => void = () => {};

  constructor(file: string | undefined, append: boolean) {
    this.#name = file ?? 'stdout';
    if (file === undefined) {
      this.#fd = 1;
      return;
    }
    try {
      this.#fd = fs.openSync(file, append ? 'a' : 'w');
    } catch (error) {
      throw new UsageError(`cannot write --output ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }

  /** Adds text made of whole lines, written by the next flush(); true when enough waits to flush now. */
  add(text: string): boolean {
    this.#pending.push(text);
    this.#size += text.length;
    return this.#size >= FLUSH_AT;
  }

  /** Bytes added and not yet written. */
  get backlog(): number {
    return this.#size + this.#writing;
  }

  /** The write that failed (EPIPE when the reader went away); nothing is written after it. */
  get error(): NodeJS.ErrnoException | undefined {
    return this.#error;
  }

  /** Starts writing what was added, unless a write is under way (it goes on with the rest). */
  flush(): void {
    if (this.#writing > 0 || this.#pending.length === 0 || this.#error !== undefined) return;
    const bytes = Buffer.from(this.#pending.length === 1 ? this.#pending[0]! : this.#pending.join(''));
    this.#pending = [];
    this.#size = 0;
    this.#writing = bytes.length;
    this.#write(bytes, 0);
  }

  #write(bytes: Buffer, at: number): void {
    fs.write(this.#fd, bytes, at, bytes.length - at, null, (error, written) => {
      // A non-blocking stdout (set so by whoever made it) is waited for, as a blocking one would be.
      if (error?.code === 'EAGAIN') return void setTimeout(() => this.#write(bytes, at), 1);
      if (error === null && at + written < bytes.length) return this.#write(bytes, at + written);
      this.#writing = 0;
      if (error !== null) this.#error = error;
      this.flush();
      if (this.#writing === 0) for (const resolve of this.#idle.splice(0)) resolve();
      this.onWritten();
    });
  }

  /** Writes everything, then closes FILE; rejects with the write's error. */
  async close(): Promise<void> {
    this.flush();
    if (this.#writing > 0) await new Promise<void>((resolve) => this.#idle.push(resolve));
    if (this.#fd !== 1) fs.closeSync(this.#fd);
    if (this.#error !== undefined) throw this.#error;
  }

  toString(): string {
    return this.#name;
  }
}

/** A set of indices, one bit each (a million indices take 125 KiB). */
export class IndexSet {
  #bits = new Uint32Array(1024);
  size = 0;

  has(index: number): boolean {
    return ((this.#bits[index >>> 5] ?? 0) & (1 << (index & 31))) !== 0;
  }

  add(index: number): void {
    if (this.has(index)) return;
    const word = index >>> 5;
    if (word >= this.#bits.length) {
      const grown = new Uint32Array(Math.max(word + 1, this.#bits.length * 2));
      grown.set(this.#bits);
      this.#bits = grown;
    }
    this.#bits[word]! |= 1 << (index & 31);
    this.size++;
  }
}

const INDEX = /^\{"index":(\d+)[,}]/;

/**
 * The indices an earlier run wrote to FILE (for `--resume`). A last line cut
 * short (no newline: the process was killed while writing it) is removed
 * from the file, so the run that appends starts on a line of its own.
 */
export function readDone(file: string): IndexSet {
  const done = new IndexSet();
  let fd: number;
  try {
    fd = fs.openSync(file, 'r+');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return done;
    throw new UsageError(
      `cannot read --output ${file} to resume: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  try {
    const chunk = Buffer.alloc(256 * 1024);
    let position = 0;
    let rest = '';
    let lineNumber = 0;
    let wholeUpTo = 0;
    for (
      let read = fs.readSync(fd, chunk, 0, chunk.length, position);
      read > 0;
      read = fs.readSync(fd, chunk, 0, chunk.length, position)
    ) {
      const text = rest + chunk.toString('latin1', 0, read);
      let start = 0;
      for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
        lineNumber++;
        const match = INDEX.exec(text.slice(start, Math.min(end, start + 32)));
        if (match === null) {
          throw new UsageError(
            `--resume: line ${lineNumber} of ${file} is not a procpool output line; is it the right file?`,
          );
        }
        const index = Number(match[1]);
        // Indices count input lines: one past 2³¹ is not from a real run (and would not fit the bitmap).
        if (index >= 2 ** 31) throw new UsageError(`--resume: line ${lineNumber} of ${file} has index ${match[1]}`);
        done.add(index);
        start = end + 1;
      }
      position += read;
      wholeUpTo = position - (text.length - start);
      rest = text.slice(start);
    }
    // Only what this command could have cut: the start of one of its lines.
    if (
      rest.length > 0 &&
      !/^\{"index":\d*$|^\{"index":\d+[,}]/.test(rest.slice(0, 32)) &&
      !'{"index":'.startsWith(rest)
    ) {
      throw new UsageError(`--resume: the last line of ${file} is not a procpool output line; is it the right file?`);
    }
    if (rest.length > 0) fs.ftruncateSync(fd, wholeUpTo);
  } finally {
    fs.closeSync(fd);
  }
  return done;
}
