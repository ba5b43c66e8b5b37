// What the referent tests share: callers made as plain objects, a way to
// look at a pending answer without waiting on it, and a count of live timers.
import { createHook } from 'node:async_hooks';
import type { Caller } from '../../../packages/core/src/common/objects/referent.js';

export const A: Caller = { id: 'a', name: 'Process-A' };
export const B: Caller = { id: 'b', name: 'Process-B' };
export const C: Caller = { id: 'c', name: 'Process-C' };

export interface Watched<T> {
  settled: boolean;
  value?: T;
  error?: unknown;
}

/** Records how `answer` settles, so a test can check that it has not. */
export function watch<T>(answer: T | Promise<T>): Watched<T> {
  const watched: Watched<T> = { settled: false };
  Promise.resolve(answer).then(
    (value) => Object.assign(watched, { settled: true, value }),
    (error: unknown) => Object.assign(watched, { settled: true, error }),
  );
  return watched;
}

/** Lets every settled promise's callbacks (and destroy hooks) run. */
export const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Counts the timers made while it is on and not yet cleared or fired; `stop()` reads the count after a flush. */
export function countTimers(): { stop(): Promise<number> } {
  const live = new Set<number>();
  const hook = createHook({
    init(id, type) {
      if (type === 'Timeout') live.add(id);
    },
    destroy(id) {
      live.delete(id);
    },
  }).enable();
  return {
    async stop() {
      await flush();
      hook.disable();
      return live.size;
    },
  };
}
