import { existsSync } from 'node:fs';
import path from 'node:path';

// On Linux the kernel kills the worker when the parent dies, even by SIGKILL and
// even while the worker spins in a synchronous loop (prctl PR_SET_PDEATHSIG).
// PROCPOOL_NO_SETPRIV=1 forces the fallback: a watchdog thread in each worker.
export const SETPRIV =
  process.platform === 'linux' && process.env.PROCPOOL_NO_SETPRIV !== '1'
    ? (process.env.PATH ?? '')
        .split(path.delimiter)
        .map((dir) => path.join(dir, 'setpriv'))
        .find((file) => existsSync(file))
    : undefined;

/** `node args…`, run by setpriv where there is one, so that it dies with this process. */
export function diesWithParent(node: string, args: string[]): { file: string; args: string[] } {
  return SETPRIV === undefined
    ? { file: node, args }
    : { file: SETPRIV, args: ['--pdeathsig', 'KILL', '--', node, ...args] };
}
