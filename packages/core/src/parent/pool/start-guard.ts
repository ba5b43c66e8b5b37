import { BrokenPoolError } from '../../common/errors.js';
import type { ExitInfo } from '../launch/launcher.js';

/** Workers that die while starting or importing a task module, in a row, before the pool gives up. */
const MAX_START_FAILURES = 3;
/** Errors of a spawn that no retry can mend. */
const HOPELESS_SPAWN_ERRORS = new Set<unknown>(['ENOENT', 'EACCES', 'ENOTDIR']);
const errorCode = (error: unknown): unknown => (error as { code?: unknown } | null | undefined)?.code;

/** What the guard needs to know of a worker that died starting. */
interface FailedStart {
  readonly everReady: boolean;
  readonly importing: string | null;
  stderrTail(): string;
}

/**
 * Workers dying while starting or importing a task module, again and again,
 * means none will ever work: the pool breaks rather than respawn forever.
 * Only an answered chunk proves workers can work (not a ready, not an import).
 */
export class StartGuard {
  #failures = 0;

  workerAnswered(): void {
    this.#failures = 0;
  }

  /** Counts a failed start; the error to break the pool with, once that is the right thing to do. */
  failed(worker: FailedStart, info: ExitInfo): BrokenPoolError | null {
    this.#failures += 1;
    // The executable could not be run at all (127 from setpriv, or no such
    // file): retrying cannot help. Other start errors (out of file descriptors
    // or processes) may pass, and count like any other start failure.
    const hopeless = info.exitCode === 127 || HOPELESS_SPAWN_ERRORS.has(errorCode(info.startError?.cause));
    if (!hopeless && this.#failures < MAX_START_FAILURES) return null;
    const how = info.signal === null ? `exit code ${String(info.exitCode)}` : `signal ${info.signal}`;
    const stderr = worker.stderrTail().trim();
    const where =
      !worker.everReady || worker.importing === null ? 'while starting' : `while importing ${worker.importing}`;
    const detail = `${info.startError?.message ?? how}${stderr === '' ? '' : `; stderr: ${stderr}`}`;
    return new BrokenPoolError(`Workers die ${where} (${this.#failures} in a row); last: ${detail}`, {
      cause: info.startError?.cause ?? info.startError ?? undefined, // the OS error, when there is one
    });
  }
}
