/**
 * The key of a shared object's (a queue's, a lock's, a proxy's) method that
 * says how it travels: what it returns is sent, and the receiving process
 * rebuilds a working handle to the same object from it. A symbol of the
 * global registry, so a second copy of procpool in one process shares it.
 */
export const SHARED = Symbol.for('procpool.shared');

/** A handle that can travel (common/objects/shared-object.ts). */
export interface Shareable {
  [SHARED](): unknown;
}

/** Whether `value` is a shared object's handle, told without loading the objects code. */
export function isShareable(value: unknown): value is Shareable {
  return typeof value === 'object' && value !== null && SHARED in value;
}

/** Rebuilds a handle from what its [SHARED]() returned; set once the objects code is loaded (objects/revive.ts). */
type Reviver = (wire: unknown) => unknown;
let reviver: Reviver | null = null;

export function setSharedReviver(revive: Reviver): void {
  reviver = revive;
}

/** devalue's reviver for a handle. */
export function reviveShareable(wire: unknown): unknown {
  if (reviver === null) {
    throw new TypeError("A shared object arrived before procpool's shared-object code was loaded here");
  }
  return reviver(wire);
}

/** Whether handles can be rebuilt here yet. */
export const sharedRevivalInstalled = (): boolean => reviver !== null;

/** What the codec's text of a handle contains (its reducer's name, as devalue writes it). */
export const SHARED_MARK = '"Ref"';

/** Whether `text` (a payload's) may hold a handle: the objects code must be loaded before decoding it. */
export const mayHoldShared = (text: string): boolean => text.includes(SHARED_MARK);

/** A transit a handle asks for as it is encoded: `[address, object id, token]`, and how to make it. */
interface PendingTransit {
  wire: unknown[];
  commit(): void;
}

// The transits of the payload being encoded: made only once all of it has
// encoded, so a value that fails to encode (a function beside a handle)
// leaves no transit that nobody will ever end.
let pending: PendingTransit[] | null = null;
const NO_TRANSITS: readonly unknown[][] = Object.freeze([]);

/** Makes `transit` once the payload being encoded has encoded (at once outside an encode). */
export function deferTransit(transit: PendingTransit): void {
  if (pending === null) transit.commit();
  else pending.push(transit);
}

/** Runs `encode`, then makes the transits it asked for; none if it throws. Their wires, for whoever must end them. */
export function encodingTransits<R>(encode: () => R): { result: R; transits: readonly unknown[][] } {
  const enclosing = pending;
  const mine: PendingTransit[] = (pending = []);
  let result: R;
  try {
    result = encode();
  } finally {
    pending = enclosing;
  }
  // Most encodes meet no handle: nothing to make, nothing to list.
  if (mine.length === 0) return { result, transits: NO_TRANSITS };
  // Inside another encode (a queue item's, in a put), that one makes them.
  if (enclosing !== null) enclosing.push(...mine);
  else for (const transit of mine) transit.commit();
  return { result, transits: mine.map((transit) => transit.wire) };
}
