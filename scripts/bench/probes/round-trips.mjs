// The sequential round trips the A probes compare: `once(i)` makes one,
// `close()` ends it. `which`: procpool, raw (the fd-3 pipe) or ipc
// (process.send, JSON).
import { Pool } from '@procpool/core';
import { ipcChild, pipeChild } from '../baselines.mjs';
import tasks from './tasks.cjs';

export async function roundTrips(which, { processes = 1 } = {}) {
  if (which === 'ipc') {
    const child = await ipcChild('json');
    return { once: (i) => child.roundTrip(i), close: () => child.close() };
  }
  if (which === 'raw') {
    const child = await pipeChild();
    return { once: () => child.roundTrip('1'), close: () => child.close() };
  }
  if (which === 'procpool') {
    const pool = new Pool({ processes });
    return { once: (i) => pool.apply(tasks.noop, [i]), close: () => pool.terminate() };
  }
  return null;
}
