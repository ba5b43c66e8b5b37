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

// What must reach its peer before a task's answer does: a put a task made to
// a queue in another process is sent without waiting for its answer, and the
// task's answer must not overtake it (the caller may read the queue next).
const deliveries = sharedRegistry('pendingDeliveries', () => new Set<() => Promise<void> | null>());

/** Lets whenDelivered() wait for `wait`, which answers null when nothing is on its way (and must never reject). */
export function registerPendingDeliveries(wait: () => Promise<void> | null): void {
  deliveries.add(wait);
}

/** A Promise that resolves once every request sent without an answer has been handled by its peer; null if none is on its way. */
export function whenDelivered(): Promise<void> | null {
  if (deliveries.size === 0) return null;
  const waits: Promise<void>[] = [];
  for (const wait of deliveries) {
    const pending = wait();
    if (pending !== null) waits.push(pending);
  }
  return waits.length === 0 ? null : Promise.all(waits).then(() => {});
}

// What a process says to its peers as it leaves (a pool worker retiring, a
// Process child whose target settled): a shared object's server then lets go
// of what it held in order with its other requests, not when it reads the end.
const farewells = sharedRegistry('beforeLeaving', () => new Set<() => Promise<void>>());

/** Lets whenLeaving() wait for `farewell`, which must never reject. */
export function registerBeforeLeaving(farewell: () => Promise<void>): void {
  farewells.add(farewell);
}

/** Resolves once every peer has heard this process is leaving. */
export function whenLeaving(): Promise<void> {
  return Promise.all([...farewells].map((farewell) => farewell())).then(() => {});
}
