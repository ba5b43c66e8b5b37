import { collectFutures } from './collect.js';
import { hasFailed, onDone, type CompletedFuture, type Future } from './future.js';
import { keepingAlive } from './keep-alive.js';
import { show } from './show.js';
import { checkTimeout, timerDelay } from './timeout.js';

/** `wait` returns when any future finishes or is cancelled. */
export const FIRST_COMPLETED = 'FIRST_COMPLETED';
/** `wait` returns when any future finishes with an error, or when all are done. */
export const FIRST_EXCEPTION = 'FIRST_EXCEPTION';
/** `wait` returns when every future is done. */
export const ALL_COMPLETED = 'ALL_COMPLETED';

/** When `wait` returns. */
export type ReturnWhen = typeof FIRST_COMPLETED | typeof FIRST_EXCEPTION | typeof ALL_COMPLETED;

export interface WaitOptions {
  /** ms to wait at most; then `wait` resolves with what is done by then. Undefined or null waits as long as it takes. */
  timeout?: number | null | undefined;
  /** @default ALL_COMPLETED */
  returnWhen?: ReturnWhen | undefined;
}

/** The futures `wait` was given, split by whether they were done when it returned. */
export interface DoneAndNotDone<T> {
  done: Set<Future<T>>;
  notDone: Set<Future<T>>;
}

const RETURN_WHEN: ReadonlySet<unknown> = new Set([FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED]);
const OPTIONS: ReadonlySet<string> = new Set(['timeout', 'returnWhen']);

function readOptions(options: unknown): { timeout: number | null | undefined; returnWhen: ReturnWhen } {
  if (options === undefined) return { timeout: undefined, returnWhen: ALL_COMPLETED };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`Expected \`options\` to be an object, got ${show(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!OPTIONS.has(key)) throw new TypeError(`Unknown wait option \`${key}\``);
  }
  const { timeout, returnWhen = ALL_COMPLETED } = options as WaitOptions;
  checkTimeout(timeout);
  if (!RETURN_WHEN.has(returnWhen)) {
    throw new TypeError(
      `Expected \`returnWhen\` to be FIRST_COMPLETED, FIRST_EXCEPTION or ALL_COMPLETED, got ${show(returnWhen)}`,
    );
  }
  return { timeout, returnWhen };
}

/**
 * Waits until the futures are done as `returnWhen` asks, or for `timeout` ms,
 * and tells which are done. Python's `concurrent.futures.wait`: never rejects
 * on a timeout; a future given twice counts once. While it waits, Node keeps
 * running, as a blocked Python call does.
 * @example
 * const { done, notDone } = await wait(futures, { returnWhen: FIRST_COMPLETED });
 */
export async function wait<T>(
  futures: Iterable<CompletedFuture<T>>,
  options?: WaitOptions,
): Promise<DoneAndNotDone<T>> {
  const all = collectFutures(futures);
  const { timeout, returnWhen } = readOptions(options);
  const split = (): DoneAndNotDone<T> => {
    const done = new Set<Future<T>>();
    const notDone = new Set<Future<T>>();
    for (const future of all) (future.done() ? done : notDone).add(future);
    return { done, notDone };
  };
  const enough = (future: Future<T>, doneCount: number): boolean =>
    doneCount === all.size || returnWhen === FIRST_COMPLETED || (returnWhen === FIRST_EXCEPTION && hasFailed(future));

  let doneCount = 0;
  let satisfied = false;
  for (const future of all) {
    if (!future.done()) continue;
    doneCount += 1;
    satisfied ||= enough(future, doneCount);
  }
  const delay = timerDelay(timeout);
  if (satisfied || doneCount === all.size || delay === 0) return split();

  await keepingAlive(
    new Promise<void>((resolve) => {
      const stops: (() => void)[] = [];
      let timer: NodeJS.Timeout | undefined;
      const finish = (): void => {
        clearTimeout(timer);
        for (const stop of stops) stop();
        resolve();
      };
      for (const future of all) {
        if (future.done()) continue;
        stops.push(
          onDone(future, () => {
            doneCount += 1;
            if (enough(future, doneCount)) finish();
          }),
        );
      }
      if (delay !== null) timer = setTimeout(finish, delay).unref();
    }),
  );
  return split();
}
