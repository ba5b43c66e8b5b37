import type { ProcessInfo } from '../common/process-info.js';
import { liveWorkers } from './worker/handle.js';

/** The live worker processes of every pool in this process. */
export function activeChildren(): ProcessInfo[] {
  return [...liveWorkers].map((worker) => ({ name: worker.name, pid: worker.pid, daemon: true }));
}
