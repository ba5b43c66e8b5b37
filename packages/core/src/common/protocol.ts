// The wire protocol between the pool and a worker: one tagged union per
// direction. Every frame is a head plus a body (devalue text, possibly empty):
// a JSON head, or for the messages sent per chunk a compact one (below).
import type { LogLevel } from './logging.js';

/**
 * A task function as the worker finds it: module specifier and name. `d`: the
 * name is the one it was registered under with defineTasks (looked up in what
 * the module registers, then among its exports); otherwise it is an export
 * name (looked up among the exports, then in what the module registers).
 */
export interface WireTaskRef {
  readonly m: string;
  readonly n: string;
  readonly d?: true;
}

export type ParentMessage =
  /** Body: the initializer's arguments. */
  | {
      t: 'init';
      name: string;
      /** currentProcess().authkey of the parent, base64: never through argv or the environment. */
      authkey: string;
      /** The process tree's temporary directory (common/temp-dir.ts). */
      tempDir: string;
      parentName: string;
      /** logToStderr()'s level in the parent, which the worker takes on; null when it is off. */
      log: LogLevel | null;
      init: WireTaskRef | null;
      maxMemory: number | null;
    }
  /**
   * Be a Process's child: run `target` once with the arguments in the body,
   * then exit. Objects the arguments transfer arrive from fd INHERITED_FD on.
   */
  | {
      t: 'process';
      name: string;
      identity: number[];
      daemon: boolean;
      authkey: string;
      tempDir: string;
      parentName: string;
      log: LogLevel | null;
      target: WireTaskRef | null;
    }
  /** Task function `r` of this worker is `ref`; sent before its first task. */
  | { t: 'ref'; r: number; ref: WireTaskRef }
  /**
   * Body: a list of argument lists, one per item of the chunk; with `each`, a
   * list of items, each the one argument of its call (map, imap). Sent with a compact head.
   */
  | { t: 'task'; id: number; r: number; each: boolean }
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
  /** Body: the list of results. `retire`: the worker exits now, running nothing more. Sent with a compact head. */
  | { t: 'done'; id: number; retire?: true }
  /** Body: a ThrownBody or an EncodingBody. */
  | { t: 'failed'; id: number; how: FailureKind; retire?: true }
  /** A Process's target threw. Body: a ThrownBody or an EncodingBody. */
  | { t: 'targetFailed'; how: FailureKind };

// The messages sent for every chunk travel with compact heads (the layout is
// channel/frame.ts's): a kind (1–31), the chunk's id and one number, no JSON
// to build or parse. What each kind and number mean is this file's.
/** A task: the number is the task function's ref (a 'ref' message said which). */
export const TASK_FRAME = 1;
/** An answer: the number is 1 when the worker retires. */
export const DONE_FRAME = 2;
/** A task whose body lists items, one argument each (`each`): a map chunk, without a list per item. */
export const EACH_TASK_FRAME = 3;

export function readParentCompact(kind: number, id: number, value: number): ParentMessage {
  // One shape for both kinds: the worker's queue of tasks stays monomorphic.
  if (kind === TASK_FRAME || kind === EACH_TASK_FRAME)
    return { t: 'task', id, r: value, each: kind === EACH_TASK_FRAME };
  throw new Error(`Unknown compact frame kind ${kind} from the parent`);
}

export function readWorkerCompact(kind: number, id: number, value: number): WorkerMessage {
  if (kind !== DONE_FRAME) throw new Error(`Unknown compact frame kind ${kind} from a worker`);
  return value === 1 ? { t: 'done', id, retire: true } : { t: 'done', id };
}

/** A thrown value: an Error (`e`) or anything else (`v`). */
export type ThrownBody = { e: import('./codec/errors.js').WireError } | { v: unknown };

/** A result that could not be encoded in the worker. */
export interface EncodingBody {
  value: string;
  exc: string;
}

/** The file descriptor the pool protocol runs on in the worker. */
export const CHANNEL_FD = 3;

/** The fd of the first object a child inherits (Connections in a Process's args or a Pool's initargs); the rest follow. */
export const INHERITED_FD = 5;
