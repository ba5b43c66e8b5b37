import { keepingAlive, timerDelay } from './timers.js';
import { invalid, invalidTimeout } from './validate.js';
import { isWaitable, WAITABLE, type Waitable } from './waitable.js';

const readyOf = <T extends Waitable>(objects: readonly T[]): T[] =>
  objects.filter((object) => object[WAITABLE].isReady());

/**
 * Waits until at least one of `objects` is ready, and resolves with those
 * that are, in the order given: a Connection with a message (or EOF) to read,
 * a Process or sentinel that has exited. Python's
 * `multiprocessing.connection.wait`.
 *
 * With `timeout` (ms) it resolves `[]` if none became ready in time;
 * `undefined` or `null` waits for as long as it takes. An empty list resolves
 * `[]` at once. Nothing is read from a Connection: `recv()` it after.
 *
 * @example
 * for (const ready of await wait([conn1, conn2, process.sentinel], 1000)) {
 *   if (ready === conn1) console.log(await conn1.recv());
 * }
 */
export async function wait<T extends Waitable>(objects: Iterable<T>, timeout?: number | null): Promise<T[]> {
  const list = checkObjects(objects);
  const badTimeout = timeout === null ? null : invalidTimeout(timeout);
  if (badTimeout !== null) throw badTimeout;
  const delay = timerDelay(timeout);
  const deadline = delay === null ? null : Date.now() + delay;
  for (;;) {
    const ready = readyOf(list);
    if (ready.length > 0 || list.length === 0) return ready;
    const left = deadline === null ? null : deadline - Date.now();
    if (left !== null && left <= 0) return [];
    // Another reader may take what woke us before we look: then wait again.
    if (!(await firstReady(list, left))) return [];
  }
}

function checkObjects<T extends Waitable>(objects: Iterable<T>): T[] {
  const iterable = objects as unknown;
  if (typeof iterable !== 'object' || iterable === null || !(Symbol.iterator in iterable)) {
    throw invalid('objects', 'an iterable of Connections, Processes and sentinels', iterable);
  }
  const list = [...objects];
  list.forEach((object, index) => {
    if (!isWaitable(object)) throw invalid(`objects[${index}]`, 'a Connection, a Process or a sentinel', object);
  });
  return list;
}

// Resolves true when one of `objects` says it is ready, false once `timeout`
// ms have passed; then stops every other wait, so none is left behind.
async function firstReady(objects: readonly Waitable[], timeout: number | null): Promise<boolean> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const waits: Array<Promise<boolean>> = objects.map((object) =>
    object[WAITABLE].whenReady(controller.signal).then(() => true),
  );
  if (timeout !== null) waits.push(new Promise((resolve) => (timer = setTimeout(resolve, timeout, false))));
  try {
    // With no timer, nothing else may keep Node running (a daemonic Process): the wait does, as Python's blocks.
    return await (timeout === null ? keepingAlive(Promise.race(waits)) : Promise.race(waits));
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}
