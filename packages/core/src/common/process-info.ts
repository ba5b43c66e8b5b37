import { lazyCrypto, lazyOs } from './builtins.js';
import { sharedRegistry } from './registry.js';

/** A process as `activeChildren()` lists it. */
export interface ProcessInfo {
  readonly name: string;
  readonly pid: number;
  /** Pool workers and daemonic Processes never outlive the process that started them. */
  readonly daemon: boolean;
}

/** This process, as `currentProcess()` describes it. */
export interface CurrentProcess extends ProcessInfo {
  /** The key Listener/Client use by default; inherited by every child this process starts. */
  readonly authkey: Buffer;
}

/** The process that started this one, as `parentProcess()` describes it. */
export interface ParentProcess extends ProcessInfo {
  /** Whether it is still running (it may have died without this process noticing yet). */
  isAlive(): boolean;
}

/** Who this process is when a parent started it; set by the bootstrap before any user module loads. */
interface ChildIdentity {
  name: string;
  daemon: boolean;
  parentPid: number;
  parentName: string;
  authkey: Buffer;
  /** Python's `_identity`: the counters naming this process (`Process-1:2` is [1, 2]); [] for pool workers. */
  identity: readonly number[];
}

// One per process, whichever copy of procpool reads it: the bootstrap's and the task module's.
const state = sharedRegistry('processState', () => ({
  child: undefined as ChildIdentity | undefined,
  authkey: undefined as Buffer | undefined,
  children: 0,
}));

export function setChildIdentity(value: ChildIdentity): void {
  state.child = value;
}

/** This process's identity as a child, or undefined in the main process. */
export function childIdentity(): ChildIdentity | undefined {
  return state.child;
}

// A copy each time: a caller that changes it changes nothing here.
function authkey(): Buffer {
  const own = state.child?.authkey ?? state.authkey ?? (state.authkey = lazyCrypto().randomBytes(32));
  return Buffer.from(own);
}

/** The name of the next Process made here, as Python numbers them: `Process-3`, or `Process-1:3` in Process-1. */
export function nextProcessName(): { name: string; identity: number[] } {
  state.children += 1;
  const identity = [...(state.child?.identity ?? []), state.children];
  return { name: `Process-${identity.join(':')}`, identity };
}

/**
 * `false` inside a pool worker or a Process's child, `true` elsewhere: the
 * analog of `if __name__ == '__main__'`. Guard a main module's entry point
 * with it when the main module exports task functions, because children import it.
 * @example
 * if (isMainProcess()) await main();
 */
export function isMainProcess(): boolean {
  return state.child === undefined;
}

/** This process: `MainProcess`, `PoolWorker-N` in a pool worker, `Process-N` in a Process's child. */
export function currentProcess(): CurrentProcess {
  const child = state.child;
  return child === undefined
    ? { name: 'MainProcess', pid: process.pid, daemon: false, authkey: authkey() }
    : { name: child.name, pid: process.pid, daemon: child.daemon, authkey: authkey() };
}

/** The process that started this one, or `null` in the main process. */
export function parentProcess(): ParentProcess | null {
  const child = state.child;
  if (child === undefined) return null;
  const pid = child.parentPid;
  return {
    name: child.parentName,
    pid,
    daemon: false,
    // Re-parented once it has died, even while its pid is reused by another process.
    // A ThreadPool's thread: its parent is the process it runs in, alive while it runs.
    isAlive: () => process.ppid === pid || process.pid === pid,
  };
}

/** The number of CPUs Node may use (`os.availableParallelism()`). */
export function cpuCount(): number {
  return lazyOs().availableParallelism();
}
