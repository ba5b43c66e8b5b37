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
