import { invalid } from '../validate.js';
import { checkOptions } from '../validate.js';
import { RLock, Lock } from './locks.js';
import { registerKind, SharedObject } from './shared-object.js';
import { checkTypecode, type Typecode } from './state/typecodes.js';
import { ArrayState, ValueState } from './state/value-state.js';

/** The JavaScript type a typecode's values have: bigint for the 64-bit integers. */
export type ValueOf<C extends Typecode> = C extends 'l' | 'L' | 'q' | 'Q' ? bigint : number;
/** What `set()` takes: a number or bigint for the 64-bit integers. */
type Settable<C extends Typecode> = C extends 'l' | 'L' | 'q' | 'Q' ? bigint | number : number;

/** `new Value()`'s and `new Array()`'s options. */
export interface SharedValueOptions {
  /**
   * `true`: a new Lock guards it (`getLock()`); a Lock or RLock: that one;
   * `false`: none (as RawValue). @default true
   */
  lock?: boolean | Lock | RLock;
}

const VALUE_METHODS = ['get', 'set'];
const ARRAY_METHODS = ['get', 'set', 'slice'];
const VALUE_OPTIONS = new Set(['lock']);

function lockOf(options: SharedValueOptions | undefined): Lock | RLock | null {
  const { lock = true } = checkOptions(options, VALUE_OPTIONS, 'Value') as SharedValueOptions;
  // Python's default is an RLock, owned by a thread; an RLock here is owned by a
  // process, whose async functions would all hold it at once, so a Lock it is.
  if (lock === true) return new Lock();
  if (lock === false) return null;
  if (lock instanceof Lock || lock instanceof RLock) return lock;
  throw invalid('lock', 'a boolean, a Lock or an RLock', lock);
}

function noLock(kind: string): never {
  throw new TypeError(`This ${kind} was made with { lock: false }: it has no lock`);
}

/**
 * Python's `multiprocessing.Value`: one number of a C type (`typecode`), with
 * C's wrap-around, shared by every process holding it. Node processes share
 * no memory, so it lives in the process that created it and others reach it
 * through a socket. `getLock()` guards read-modify-write sequences.
 * @example
 * const counter = new Value('i', 0);
 * await using _ = await counter.getLock().hold();
 * await counter.set((await counter.get()) + 1);
 */
export class Value<C extends Typecode = Typecode> extends SharedObject {
  readonly typecode: C;
  readonly #lock: Lock | RLock | null;

  constructor(typecode: C, initial: Settable<C> = 0, options?: SharedValueOptions) {
    checkTypecode(typecode);
    const code = typecode;
    const lock = lockOf(options);
    super('Value', () => ({ referent: new ValueState(code, initial), exposed: VALUE_METHODS }));
    this.typecode = code;
    this.#lock = lock;
  }

  /** @internal */
  protected override shareArgs(): unknown[] {
    return [this.typecode, 0, { lock: this.#lock ?? false }];
  }

  get(): Promise<ValueOf<C>> {
    return this.call('get');
  }

  /** Stores `value`, wrapped to the typecode's range as C does. */
  set(value: Settable<C>): Promise<void> {
    return this.call('set', value);
  }

  /** The lock that guards it. */
  getLock(): Lock | RLock {
    return this.#lock ?? noLock('Value');
  }
}
registerKind('Value', Value);

/**
 * Python's `multiprocessing.Array`: a fixed-length array of one C type,
 * shared like `Value`. Import it as `import { Array as SharedArray }` to keep
 * the global `Array` in view.
 */
class SharedArray<C extends Typecode = Typecode> extends SharedObject {
  readonly typecode: C;
  /** How many items it has (fixed). */
  readonly length: number;
  readonly #lock: Lock | RLock | null;

  /** @param sizeOrItems Its length (all zeros), or its items. */
  constructor(typecode: C, sizeOrItems: number | readonly Settable<C>[], options?: SharedValueOptions) {
    checkTypecode(typecode);
    const code = typecode;
    const lock = lockOf(options);
    const length =
      typeof sizeOrItems === 'number' ? sizeOrItems : globalThis.Array.isArray(sizeOrItems) ? sizeOrItems.length : -1;
    super('Array', () => ({ referent: new ArrayState(code, sizeOrItems), exposed: ARRAY_METHODS }));
    this.typecode = code;
    this.length = length;
    this.#lock = lock;
  }

  /** @internal */
  protected override shareArgs(): unknown[] {
    return [this.typecode, this.length, { lock: this.#lock ?? false }];
  }

  /** Item `index` (negative counts from the end); RangeError outside. */
  get(index: number): Promise<ValueOf<C>> {
    return this.call('get', index);
  }

  set(index: number, value: Settable<C>): Promise<void> {
    return this.call('set', index, value);
  }

  /** Items `start` to `end` (exclusive; negative counts from the end), as Python's slice. */
  slice(start?: number, end?: number): Promise<ValueOf<C>[]> {
    return this.call('slice', start ?? null, end ?? null);
  }

  getLock(): Lock | RLock {
    return this.#lock ?? noLock('Array');
  }
}
registerKind('Array', SharedArray);
export { SharedArray as Array };

/** Python's `multiprocessing.RawValue`: a Value without a lock. */
export class RawValue<C extends Typecode = Typecode> extends Value<C> {
  constructor(typecode: C, initial?: Settable<C>) {
    super(typecode, initial, { lock: false });
  }
}

/** Python's `multiprocessing.RawArray`: an Array without a lock. */
export class RawArray<C extends Typecode = Typecode> extends SharedArray<C> {
  constructor(typecode: C, sizeOrItems: number | readonly Settable<C>[]) {
    super(typecode, sizeOrItems, { lock: false });
  }
}
