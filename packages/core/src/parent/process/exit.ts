import { lazyOs } from '../../common/builtins.js';
import type { ExitInfo } from '../launch/launcher.js';

/** Python's exit code: the code, or -N for signal N; 1 for a process that never started. */
export function exitCodeOf({ exitCode, signal }: ExitInfo): number {
  if (exitCode !== null) return exitCode;
  if (signal === null) return 1;
  const number = (lazyOs().constants.signals as Record<string, number | undefined>)[signal];
  return number === undefined ? 1 : -number;
}
