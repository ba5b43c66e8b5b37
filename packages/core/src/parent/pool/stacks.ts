import { defineHidden } from '../../common/hidden.js';

/**
 * Where a pool call was made: V8 records the frames now and formats them only
 * if read. Per-call methods record nothing up front (recording costs most of a
 * no-op task's parent time); `null` stands for "not recorded".
 */
export interface Caller {
  stack?: string;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- any public method is a valid frame to cut at
export function captureCaller(above: Function): Caller {
  const caller: Caller = {};
  Error.captureStackTrace(caller, above);
  return caller;
}

/**
 * The rejection handler of the promise a per-call method returns: in a
 * handler, V8's async stack trace follows the promise chain to whoever awaits
 * it, which are the caller's frames (and costs less than an async function).
 */
export function rethrowWithAwaiterFrames(error: unknown): never {
  if (!(error instanceof Error)) throw error;
  const caller = captureCaller(rethrowWithAwaiterFrames);
  const lines = (caller.stack ?? '').split('\n');
  throw withCallerFrames(error, {
    stack: lines.filter((line, i) => i === 0 || !line.includes('(node:internal/')).join('\n'),
  });
}

const decorated = new WeakSet<object>();

/**
 * Ends an error's stack with the frames of the call that submitted the task:
 * a remote error keeps its worker stack above them, a local one (a lost worker,
 * a bad argument) has nothing to show of the pool's internals.
 */
export function withCallerFrames(error: unknown, caller: Caller | null): unknown {
  if (caller === null || !(error instanceof Error) || decorated.has(error)) return error;
  decorated.add(error);
  const frames = (caller.stack ?? '').split('\n').slice(1).join('\n');
  const remote = Object.prototype.hasOwnProperty.call(error, 'remoteTraceback');
  const head = remote ? String(error.stack) : `${error.name}: ${error.message}`;
  defineHidden(error, 'stack', frames === '' ? head : `${head}\n${frames}`);
  return error;
}
