import { TimeoutError } from '../errors.js';
import { checkOptions, checkTimeout, invalid } from '../validate.js';
import { registerKind, SharedObject, type ReferentSpec } from './shared-object.js';
import { LockState, RLockState } from './state/lock-state.js';
import { SemaphoreState } from './state/semaphore-state.js';

/** `acquire()`'s options. */
export interface AcquireOptions {
  /** Wait while another process holds it. @default true */
  block?: boolean;
  /** How long to wait, in ms; past it, `acquire()` resolves `false`. @default undefined (forever) */
  timeout?: number | null;
}

/** `hold()`'s options. */
export interface HoldOptions {
  /** How long to wait, in ms; past it, `hold()` rejects with TimeoutError. @default undefined (forever) */
  timeout?: number | null;
}

const LOCK_METHODS = ['acquire', 'release', 'locked', 'ownerDied'];
const SEMAPHORE_METHODS = [...LOCK_METHODS, 'getValue'];

const ACQUIRE_OPTIONS = new Set(['block', 'timeout']);
const HOLD_OPTIONS = new Set(['timeout']);

/** `[block, timeout]` as a referent takes them; throws for bad options (a misspelt one would wait forever). */
function acquireArgs(options: AcquireOptions | undefined): [boolean, number | null] {
  const { block = true, timeout } = checkOptions(options, ACQUIRE_OPTIONS, 'acquire') as AcquireOptions;
  if (typeof block !== 'boolean') throw invalid('block', 'a boolean', block);
  return [block, checkTimeout(timeout)];
}

/**
 * What Lock, RLock, Semaphore, BoundedSemaphore and Condition share: acquire,
 * release, and `hold()` for `await using`.
 */
export abstract class Acquirable extends SharedObject {
  readonly #kind: string;
  // Acquisitions through this handle not yet released: a release of one of
  // them cannot fail (see release()).
  #held = 0;
  /** Whether a release of what this handle acquired goes without waiting for its answer (Lock, RLock). */
  protected releasesAhead = false;

  protected constructor(kind: string, create: () => ReferentSpec) {
    super(kind, create);
    this.#kind = kind;
  }

  /**
   * Acquires it: resolves `true` once this process holds it, or `false`
   * when `block` is false and it is held, or past `timeout`.
   */
  acquire(options?: AcquireOptions): Promise<boolean> {
    let args: [boolean, number | null];
    try {
      args = acquireArgs(options);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.call<boolean>('acquire', ...args).then((acquired) => {
      if (acquired) this.#held += 1;
      return acquired;
    });
  }

  /**
   * Releases it; rejects with ProcessError when it is not held (or, bounded,
   * released too often). A Lock or RLock this handle acquired, in another
   * process, is released without waiting for the answer (one round trip per
   * acquire+release instead of two); requests from one process reach it in
   * order, so a later call from here sees it released.
   */
  release(): Promise<void> {
    if (this.releasesAhead && this.#held > 0 && !this.isLocal && !this.hostGone && !this.released) {
      this.#held -= 1;
      return this.callNoAnswer('release') ?? Promise.resolve();
    }
    return this.call<void>('release').then(() => {
      if (this.#held > 0) this.#held -= 1;
    });
  }

  /**
   * Acquires it and resolves with what releases it, for
   * `await using _ = await lock.hold();` (Python's `with lock:`). Past
   * `timeout`, rejects with TimeoutError.
   */
  async hold(options?: HoldOptions): Promise<AsyncDisposable> {
    const timeout = checkTimeout((checkOptions(options, HOLD_OPTIONS, 'hold') as HoldOptions).timeout);
    if (!(await this.acquire({ timeout }))) {
      throw new TimeoutError(timeout ?? 0, `Could not acquire the ${this.#kind} within ${timeout} ms`);
    }
    let released = false;
    return {
      [Symbol.asyncDispose]: async () => {
        if (released) return;
        released = true;
        await this.release();
      },
    };
  }

  /** Whether some process holds it now (for a semaphore: whether its count is 0). */
  locked(): Promise<boolean> {
    return this.call('locked');
  }

  /**
   * Whether a process that held it died holding it (it was released for it
   * then); true until the next clean `release()`. Python would deadlock instead.
   */
  ownerDied(): Promise<boolean> {
    return this.call('ownerDied');
  }
}

/**
 * Python's `multiprocessing.Lock`: held by one process at a time. Any
 * process may release it (as Python's); one that dies holding it releases it.
 */
export class Lock extends Acquirable {
  constructor() {
    super('Lock', () => ({ referent: new LockState(), exposed: LOCK_METHODS }));
    this.releasesAhead = true;
  }

  /** @internal */
  protected override shareArgs(): unknown[] {
    return [];
  }
}
registerKind('Lock', Lock);

/**
 * Python's `multiprocessing.RLock`: a lock its owner process may acquire
 * again (each acquire needs a release); only the owner may release it.
 */
export class RLock extends Acquirable {
  constructor() {
    super('RLock', () => ({ referent: new RLockState(), exposed: LOCK_METHODS }));
    this.releasesAhead = true;
  }

  /** @internal */
  protected override shareArgs(): unknown[] {
    return [];
  }
}
registerKind('RLock', RLock);

function checkValue(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalid('value', 'a non-negative integer', value, true);
  }
  return value;
}

/**
 * Python's `multiprocessing.Semaphore`: a counter that `acquire()` takes one
 * from (waiting at 0) and `release()` gives one back. What a process that
 * dies had acquired and not released is given back for it.
 */
export class Semaphore extends Acquirable {
  readonly #value: number;

  /** @param value The starting count. @default 1 */
  constructor(value = 1) {
    const start = checkValue(value);
    // Read from new.target, not a flag set beforehand: a constructor that throws cannot leave it set.
    const bounded = new.target === BoundedSemaphore || new.target.prototype instanceof BoundedSemaphore;
    super(bounded ? 'BoundedSemaphore' : 'Semaphore', () => ({
      referent: new SemaphoreState(start, bounded),
      exposed: SEMAPHORE_METHODS,
    }));
    this.#value = start;
  }

  /** @internal */
  protected override shareArgs(): unknown[] {
    return [this.#value];
  }

  /** The count now (Python's `get_value()`). */
  getValue(): Promise<number> {
    return this.call('getValue');
  }
}
registerKind('Semaphore', Semaphore);

/** Python's `multiprocessing.BoundedSemaphore`: a Semaphore whose count may not go above its start (release rejects). */
export class BoundedSemaphore extends Semaphore {}
registerKind('BoundedSemaphore', BoundedSemaphore);
