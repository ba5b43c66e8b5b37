// What wait() (common/wait.ts) accepts: Connections, Processes and their
// sentinels. A symbol rather than a class, so each kind keeps its own base.

export const WAITABLE = Symbol.for('procpool.waitable');

/** How wait() asks an object whether it is ready, and waits for it to be. */
export interface WaitState {
  /** Ready now: a Connection has a message or EOF buffered; a Process has exited. */
  isReady(): boolean;
  /** Resolves once ready (at once if it is); stops waiting, without settling, when `signal` aborts. */
  whenReady(signal: AbortSignal): Promise<void>;
}

export interface Waitable {
  readonly [WAITABLE]: WaitState;
}

export function isWaitable(value: unknown): value is Waitable {
  return typeof value === 'object' && value !== null && WAITABLE in value;
}
