// The wire protocol between the pool and a worker: one tagged union per
// direction. Every frame is a JSON head plus a body (devalue text, possibly empty).

/** A task function as the worker finds it: module specifier and export name. */
export interface WireTaskRef {
  readonly m: string;
  readonly n: string;
}

export type ParentMessage =
  /** Body: the initializer's arguments. */
  | {
      t: 'init';
      name: string;
      init: WireTaskRef | null;
      maxMemory: number | null;
    }
  /** Body: a list of argument lists, one per item of the chunk. */
  | { t: 'task'; id: number; m: string; n: string }
  /** Finish the task at hand, then exit. */
  | { t: 'stop' };

/** How a failed task's body is to be read. */
export type FailureKind = 'thrown' | 'encoding';

export type WorkerMessage =
  | { t: 'ready' }
  /** About to import task module `m` for the first time (a crash now is a start-up crash). */
  | { t: 'importing'; m: string }
  | { t: 'imported' }
  /** Its last words when it exits by itself (process.exit): the task it was running, if any. */
  | { t: 'exiting'; running: number | null }
  /** Body: a ThrownBody. */
  | { t: 'initError' }
  /** Body: the list of results. `retire`: the worker exits now, running nothing more. */
  | { t: 'done'; id: number; retire?: true }
  /** Body: a ThrownBody or an EncodingBody. */
  | { t: 'failed'; id: number; how: FailureKind; retire?: true };

/** A thrown value: an Error (`e`) or anything else (`v`). */
export type ThrownBody = { e: import('./codec/errors.js').WireError } | { v: unknown };

/** A result that could not be encoded in the worker. */
export interface EncodingBody {
  value: string;
  exc: string;
}

/** The file descriptor the pool protocol runs on in the worker. */
export const CHANNEL_FD = 3;
