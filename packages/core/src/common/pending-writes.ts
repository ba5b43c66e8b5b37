import { sharedRegistry } from './registry.js';

// How to wait for the bytes each kind of writer still holds: Connection's
// code registers its own when it loads, so a child that never loads it has
// nothing to wait for and no reason to load it. Shared by two copies of
// procpool in one process, as the other registries are.
const waiters = sharedRegistry('pendingWrites', () => new Set<() => Promise<void>>());

/** Lets whenAllWritten() wait for `wait` too; it must never reject. */
export function registerPendingWrites(wait: () => Promise<void>): void {
  waiters.add(wait);
}

/** Resolves once every writer registered here has handed what it holds to the OS. */
export function whenAllWritten(): Promise<void> {
  return Promise.all([...waiters].map((wait) => wait())).then(() => {});
}
