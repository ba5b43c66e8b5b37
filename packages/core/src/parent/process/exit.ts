import { lazyOs } from '../../common/builtins.js';
import type { ExitInfo } from '../launch/launcher.js';

/** How long the child's control pipe may stay open after its exit (a grandchild holding it). */
const PIPE_DRAIN_MS = 500;

/** Python's exit code: the code, or -N for signal N; 1 for a process that never started. */
export function exitCodeOf({ exitCode, signal }: ExitInfo): number {
  if (exitCode !== null) return exitCode;
  if (signal === null) return 1;
  const number = (lazyOs().constants.signals as Record<string, number | undefined>)[signal];
  return number === undefined ? 1 : -number;
}

/** The exit, once the child's last frames have been read too (bounded). */
export async function settleAfter(exited: Promise<ExitInfo>, pipeClosed: Promise<void>): Promise<ExitInfo> {
  const exit = await exited;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([pipeClosed, new Promise<void>((resolve) => (timer = setTimeout(resolve, PIPE_DRAIN_MS)))]);
  clearTimeout(timer);
  return exit;
}
