import { afterEach } from '@jest/globals';
// Evaluated first, so its afterEach (which terminates the test's pools) runs before the one below.
import './pools.js';

/** What this process wrote to stderr since `captureStderr()`. */
export interface CapturedStderr {
  readonly text: string;
}

interface Capture {
  chunks: Buffer[];
  restore: () => void;
}

let active: Capture | null = null;

/**
 * Keeps this process's stderr off the terminal until the test ends, and gives
 * the test what was written. The pool forwards workers' stderr there, so this
 * is for tests whose workers are meant to crash loudly: a passing run of the
 * suite then shows only jest's own lines.
 */
export function captureStderr(): CapturedStderr {
  if (active !== null) throw new Error('captureStderr() was already called in this test');
  const { stderr } = process;
  const own = Object.getOwnPropertyDescriptor(stderr, 'write');
  const capture: Capture = {
    chunks: [],
    restore: () => {
      if (own === undefined) delete (stderr as Partial<typeof stderr>).write;
      else Object.defineProperty(stderr, 'write', own);
    },
  };
  stderr.write = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    const encoding = typeof rest[0] === 'string' ? (rest[0] as BufferEncoding) : 'utf8';
    capture.chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, encoding) : Buffer.from(chunk));
    const done = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    if (done !== undefined) process.nextTick(done);
    return true;
  };
  active = capture;
  // Chunks are joined before decoding: a character may be split between two of them.
  return {
    get text() {
      return Buffer.concat(capture.chunks).toString('utf8');
    },
  };
}

afterEach(async () => {
  if (active === null) return;
  const capture = active;
  active = null;
  // The pools are terminated, so every worker has exited and all it wrote is
  // already in its pipe; the pool reads it in the same event-loop turn that
  // saw the exit at the latest. Let that turn end before stderr goes through.
  await new Promise((resolve) => setImmediate(resolve));
  capture.restore();
});
