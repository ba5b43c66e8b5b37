import type { WorkerChunk } from './chunk.js';

/** What is known of a worker's last moments, to tell which chunk (if any) it died running. */
interface DeathFacts {
  /** It was told to go, retired itself or was killed: whatever it ran is settled elsewhere. */
  exitedOnPurpose: boolean;
  everReady: boolean;
  /** What it said, exiting by itself, it was running (undefined: it died without a word). */
  runningAtExit: number | null | undefined;
  /** It died while importing a task module for the first time: the task itself never ran. */
  importing: boolean;
  /** Bytes of frames handed to its pipe. */
  bytesWritten: number;
  /** Bytes it left unread in its end of the pipe, or null where that is unknown. */
  unread: number | null;
}

/**
 * Removes from `inFlight` the chunk the worker died running and returns it;
 * the rest never began. A chunk whose frame the worker had not read in full
 * (killed while idle, just as it was sent) never started either: it stays.
 */
export function takeLost<C extends WorkerChunk>(inFlight: C[], facts: DeathFacts): C | null {
  // Dying in a task module's first import (its own exit, or an exit queued by
  // an earlier task firing then), the chunk named running never began.
  if (facts.exitedOnPurpose || !facts.everReady || facts.importing) return null;
  if (facts.runningAtExit !== undefined) {
    const index = inFlight.findIndex((chunk) => chunk.id === facts.runningAtExit);
    return index === -1 ? null : (inFlight.splice(index, 1)[0] as C);
  }
  const head = inFlight[0];
  if (head === undefined || !readWhole(head, facts)) return null;
  return inFlight.shift() as C;
}

// Where what it left unread is unknown (the plain pipe), any frame that was written counts as read.
function readWhole(chunk: WorkerChunk, { bytesWritten, unread }: DeathFacts): boolean {
  if (chunk.sentUpTo > bytesWritten) return false; // never left this process
  return unread === null || chunk.sentUpTo <= bytesWritten - unread;
}
