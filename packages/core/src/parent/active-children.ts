import type { ProcessInfo } from '../common/process-info.js';

/** A child process of this one, as activeChildren() lists it. */
interface LiveChild {
  readonly name: string;
  readonly pid: number;
  readonly daemon: boolean;
}

// Every live child of every pool (and, later, every Process) of this process.
const live = new Set<LiveChild>();

export function childStarted(child: LiveChild): void {
  live.add(child);
}

export function childExited(child: LiveChild): void {
  live.delete(child);
}

/** The live child processes of this process: every pool's workers. */
export function activeChildren(): ProcessInfo[] {
  return [...live].map(({ name, pid, daemon }) => ({ name, pid, daemon }));
}
