import { resolveTask, type AnyFunction, type TaskLike } from '../tasks.js';
import { checkOptions, checkTimeout, invalid, isPositiveInteger } from '../validate.js';
import { registerKind, SharedObject } from './shared-object.js';
import { BarrierState } from './state/barrier-state.js';
import { EventState } from './state/event-state.js';

const EVENT_METHODS = ['isSet', 'set', 'clear', 'wait'];
const BARRIER_METHODS = ['wait', 'reset', 'abort', 'nWaiting', 'broken'];

const rejecting = <T>(run: () => Promise<T>): Promise<T> => {
  try {
    return run();
  } catch (error) {
    return Promise.reject(error);
  }
};

/**
 * Python's `multiprocessing.Event`: a flag processes wait on until another sets it.
 * @example
 * const ready = new Event();
 * await ready.wait(1000);
 */
export class Event extends SharedObject {
  constructor() {
    super('Event', () => ({ referent: new EventState(), exposed: EVENT_METHODS }));
  }

  /** @internal */
  protected override shareArgs(): unknown[] {
    return [];
  }

  isSet(): Promise<boolean> {
    return this.call('isSet');
  }

  /** Sets the flag: every process waiting goes on, and later waits resolve at once. */
  set(): Promise<void> {
    return this.call('set');
  }

  clear(): Promise<void> {
    return this.call('clear');
  }

  /** Resolves `true` once the flag is set, or `false` past `timeout` ms. */
  wait(timeout?: number | null): Promise<boolean> {
    return rejecting(() => this.call('wait', checkTimeout(timeout)));
  }
}
registerKind('Event', Event);

/** `new Barrier()`'s options. */
export interface BarrierOptions {
  /**
   * Run once per round, when the last party arrives and before any is
   * released, in the process that created the barrier. If it throws, the
   * barrier breaks.
   */
  action?: TaskLike<AnyFunction>;
  /** The default `timeout` of `wait()`, in ms. @default undefined (forever) */
  timeout?: number | null;
}

const BARRIER_OPTIONS = new Set(['action', 'timeout']);

// The action as a function of this process, loading its module on first use.
// It runs here, with the state, rather than in the last party: no extra round
// trip before the release, a closure action works, and a party that dies
// mid-action cannot leave the round half-run.
function actionOf(action: TaskLike<AnyFunction>): () => Promise<void> {
  if (typeof action === 'function') return async () => void (await action());
  const { m, n } = resolveTask(action);
  return async () => {
    const fn = ((await import(m)) as Record<string, unknown>)[n];
    if (typeof fn !== 'function') throw new TypeError(`Barrier action: ${m} has no function export '${n}'`);
    await (fn as () => unknown)();
  };
}

/**
 * Python's `multiprocessing.Barrier`: `parties` processes each call
 * `wait()`, and all go on once the last has.
 */
export class Barrier extends SharedObject {
  /** How many must wait for all to go on. */
  readonly parties: number;
  readonly #timeout: number | null;

  constructor(parties: number, options?: BarrierOptions) {
    if (!isPositiveInteger(parties)) throw invalid('parties', 'a positive integer', parties, true);
    const { action, timeout } = checkOptions(options, BARRIER_OPTIONS, 'Barrier') as BarrierOptions;
    const limit = checkTimeout(timeout);
    const run = action === undefined ? null : actionOf(action);
    super('Barrier', () => ({ referent: new BarrierState(parties, limit, run), exposed: BARRIER_METHODS }));
    this.parties = parties;
    this.#timeout = limit;
  }

  /** @internal */
  protected override shareArgs(): unknown[] {
    return [this.parties, { timeout: this.#timeout }];
  }

  /**
   * Waits until `parties` processes wait; resolves with this one's index
   * (0 … parties-1, unique per round). Rejects with BrokenBarrierError when
   * the barrier breaks (aborted, reset, its action threw, a wait timed out,
   * or a waiting process died).
   */
  wait(timeout?: number | null): Promise<number> {
    return rejecting(() => this.call('wait', timeout === undefined ? this.#timeout : checkTimeout(timeout)));
  }

  /** Back to its first state; processes waiting get BrokenBarrierError. */
  reset(): Promise<void> {
    return this.call('reset');
  }

  /** Breaks it: waits now and later reject with BrokenBarrierError until `reset()`. */
  abort(): Promise<void> {
    return this.call('abort');
  }

  /** How many processes wait on it now. */
  nWaiting(): Promise<number> {
    return this.call('nWaiting');
  }

  broken(): Promise<boolean> {
    return this.call('broken');
  }
}
registerKind('Barrier', Barrier);
