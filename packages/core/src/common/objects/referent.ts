// The contract between the object server (server.ts) and what it holds. A
// referent is a shared object's state in the process that hosts it; it knows
// nothing of sockets. Every method it exposes takes the Caller first, then the
// arguments the handle sent, and returns its answer or a Promise of it
// (a Promise that settles when the caller may go on: a lock acquired, an item
// got); it throws (or rejects) with a ProcessError subclass to fail the call.

/** Who calls a referent's method: one process (one client connection, or the hosting process itself). */
export interface Caller {
  /** Unique within one server; `LOCAL_CALLER.id` for the hosting process. */
  readonly id: string;
  /** For messages: `Process-2 (pid 1234)`. */
  readonly name: string;
}

/** The hosting process calling its own objects. */
export const LOCAL_CALLER: Caller = { id: 'local', name: 'the hosting process' };

/** A shared object's state where it lives. */
export interface Referent {
  /**
   * `caller`'s process has died or disconnected: release what it holds (and
   * remember that an owner died), and forget its waiters without settling
   * them (nobody is left to answer).
   */
  callerGone?(caller: Caller): void;
  /** Freed: nothing will call it again; clear its timers. Waiters left are rejected with `error`. */
  dispose?(error: Error): void;
}
