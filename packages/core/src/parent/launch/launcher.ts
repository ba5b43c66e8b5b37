import type net from 'node:net';
import type { Duplex } from 'node:stream';
import type { OnRead } from '../../common/channel/channel.js';
import type { StartMethod } from '../start-methods.js';

// The seam between a worker handle and what runs its worker: a process here
// (launch.ts), a thread (thread.ts); a Process's child would be another launcher.

/** How to start a worker. */
export interface LaunchOptions {
  method: StartMethod;
  execArgv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  cwd: string | undefined;
  /** Start from procpool's V8 start-up snapshot where Node can (snapshot.ts). */
  snapshot: boolean;
  /** A non-daemonic Process's child outlives its parent: no parent-death signal, no watchdog. */
  survivesParent?: boolean;
  /**
   * The child writes to our stderr itself, as Python's children do (a
   * Process's, which may outlive us), rather than through a pipe we copy
   * from and keep the tail of (a pool worker's, for crash reports).
   */
  shareStderr?: boolean;
  /** In a session and process group of its own (Pool's `detached`). */
  detached?: boolean;
  /** Its fd 1: ours, or (`'stderr'`) where its stderr goes (Pool's `stdout`). */
  stdout?: 'inherit' | 'stderr';
  /**
   * What the child inherits from fd INHERITED_FD on (the Connections in a
   * Process's args or a Pool's initargs), asked for at each spawn.
   */
  inherit?: () => readonly InheritedEnd[];
}

/** One descriptor a child inherits (common/connection/transfer.ts's ChildEnd). */
export interface InheritedEnd {
  /** Our socket, its fd duplicated into the child; or 'pipe' for a fresh socket pair. */
  readonly stdio: net.Socket | 'pipe';
  /** After the spawn: our end of the 'pipe' (null for a socket, or when the spawn failed); `started`: whether it did. */
  spawned(ourEnd: net.Socket | null, started: boolean): void;
}

export interface ExitInfo {
  exitCode: number | null;
  signal: string | null;
  /** Set when the process could not be started at all. */
  startError: Error | null;
}

/** Our end of a started worker's pipe, and how the channel reads it. */
export interface WorkerPipe {
  socket: Duplex;
  /** `onread`: created with the channel's `reads`; `stream`: read through 'data' events. */
  reads: 'onread' | 'stream';
}

/** The parent's view of one worker process. */
export interface LaunchedWorker {
  /** Undefined until the process has started, and if it never does. */
  readonly pid: number | undefined;
  /** A thread's id, for a worker that is a thread of this process (whose pid is ours). */
  readonly threadId?: number;
  /** Settles with our end of its pipe once the process has started, or with null once it is known it never will. */
  readonly started: Promise<WorkerPipe | null>;
  /** Settles once the process has exited and its stderr has been read to the end (or a grandchild keeps it open too long). */
  readonly exited: Promise<ExitInfo>;
  kill(signal: NodeJS.Signals): void;
  stderrTail(): string;
  /**
   * After the exit, once our writes have ended: how many of the bytes written
   * to the worker it never read, or null where that cannot be known.
   */
  unreadBytes(): Promise<number | null>;
}

/**
 * Starts a worker. Our end of its pipe is created with the channel's `reads`
 * where the launcher makes the socket itself. Never throws: a worker that
 * cannot start settles `started` with null and `exited` with a startError.
 */
export type WorkerLauncher = (options: LaunchOptions, reads: OnRead) => LaunchedWorker;
