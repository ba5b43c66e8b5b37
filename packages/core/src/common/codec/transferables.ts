import { sharedRegistry } from '../registry.js';

/** Where a child finds what was transferred to it. */
export interface TransferReceiver {
  /** The file descriptor the `index`-th transferred object arrived as. */
  fd(index: number): number;
}

/**
 * An object that cannot be encoded as data but can be handed to a child
 * process as it starts (a Connection: its open descriptor).
 */
interface Transferable<T extends object, D> {
  Class: abstract new (...args: never[]) => T;
  /** The name it has on the wire, e.g. 'Connection'. */
  name: string;
  /** Why it cannot go where nothing is transferred (pool task args, results, send()). */
  unsendable: string;
  /** The data the child revives it from; `index` is its place in the transferred list. */
  reduce(value: T, index: number): D;
  /** The object again, in the child. */
  revive(data: D, received: TransferReceiver): T;
  /** The transfer did not happen (encoding failed later on): undo what reduce() did. */
  restore?(value: T): void;
}

type AnyTransferable = Transferable<object, unknown>;

// Shared by two copies of procpool in one process, as the other registries
// are; by class, since each copy registers its own Connection class.
const transferables = sharedRegistry('transferables', () => new Map<AnyTransferable['Class'], AnyTransferable>());

/** Lets instances of `t.Class` be transferred to a child (see transfers.ts). */
export function registerTransferable<T extends object, D>(t: Transferable<T, D>): void {
  transferables.set(t.Class, t);
}

/** The registered transferable `value` is an instance of, if any. */
export function transferableOf(value: unknown): AnyTransferable | undefined {
  if (typeof value !== 'object' || value === null || transferables.size === 0) return undefined;
  for (const t of transferables.values()) if (value instanceof t.Class) return t;
  return undefined;
}

const transferableNamed = (name: string): AnyTransferable | undefined => {
  for (const t of transferables.values()) if (t.name === name) return t;
  return undefined;
};

// By name, what loads the code of a transferable that registers itself only
// when its module loads (Connection): a child loads it when one arrives.
const loaders = new Map<string, () => Promise<unknown>>();

/** `load()` registers the transferable `name` (by loading its module); called before decoding what may hold one. */
export function registerTransferableLoader(name: string, load: () => Promise<unknown>): void {
  loaders.set(name, load);
}

/** Registers every transferable that has a loader and is not registered yet. */
export async function loadTransferables(): Promise<void> {
  await Promise.all([...loaders].filter(([name]) => transferableNamed(name) === undefined).map(([, load]) => load()));
}

// While an encodeTransferring() runs, the objects it has collected; null: none are accepted.
let collected: object[] | null = null;
// While a decodeTransferred() runs, where the objects arrived.
let receiver: TransferReceiver | null = null;

/** The codec's reducer: `[name, data]` for a transferable met while collecting; false otherwise. */
export function reduceTransferable(value: unknown): [string, unknown] | false {
  if (collected === null) return false;
  const t = transferableOf(value);
  if (t === undefined) return false;
  const list = collected;
  list.push(value as object);
  return [t.name, t.reduce(value as object, list.length - 1)];
}

export function reviveTransferable([name, data]: [string, unknown]): unknown {
  const t = transferableNamed(name);
  if (t === undefined) throw new TypeError(`No transferable '${name}' is registered here`);
  if (receiver === null) throw new TypeError(`A ${name} arrived where nothing can be transferred`);
  return t.revive(data, receiver);
}

/** Runs `encode` collecting the transferable objects it meets, in order; restores them if it throws. */
export function collectingTransfers<R>(encode: () => R): { result: R; transferred: object[] } {
  const enclosing = collected;
  const transferred: object[] = (collected = []);
  try {
    return { result: encode(), transferred };
  } catch (error) {
    restoreTransfers(transferred);
    throw error;
  } finally {
    collected = enclosing;
  }
}

/** The transfer of `transferred` will not happen after all (the child is not started): undo what reduce() did. */
export function restoreTransfers(transferred: readonly object[]): void {
  for (const value of transferred) transferableOf(value)?.restore?.(value);
}

export function receivingTransfers<R>(received: TransferReceiver, decode: () => R): R {
  const enclosing = receiver;
  receiver = received;
  try {
    return decode();
  } finally {
    receiver = enclosing;
  }
}
