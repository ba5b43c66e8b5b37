import { workerPlace } from '../../common/errors.js';
import { getLogger, type LogLevel } from '../../common/logging.js';
import type { PoolEventMap, WorkerExitEvent, WorkerExitReason, WorkerStartEvent } from './events.js';
import type { Emit } from './executor.js';
import type { ResolvedOptions } from './options.js';

// The pool's lifecycle lines (docs/logging.md). Each checks the level before
// it builds its text: with logging off, a line costs one comparison.

const EXIT_LEVEL: Readonly<Record<WorkerExitReason, LogLevel>> = {
  maxTasks: 'debug',
  shutdown: 'debug',
  memory: 'info',
  timeout: 'info',
  abort: 'info',
  crash: 'warn',
};

function why(event: WorkerExitEvent, options: ResolvedOptions): string {
  switch (event.reason) {
    case 'maxTasks':
      return `exited after ${options.maxTasksPerChild} tasks (maxTasksPerChild)`;
    case 'memory':
      return `retired: its ${event.threadId === undefined ? 'memory (RSS)' : 'heap'} passed maxMemoryPerChild (${String(options.maxMemoryPerChild)} bytes)`;
    case 'timeout':
      return `${event.threadId === undefined ? 'killed' : 'terminated'}: a task ran past its taskTimeout`;
    case 'abort':
      return `${event.threadId === undefined ? 'killed' : 'terminated'}: the task it was running was aborted`;
    case 'shutdown':
      return 'exited: the pool is shutting down';
    case 'crash':
      return `died unexpectedly (${event.signal === null ? `exit code ${String(event.exitCode)}` : `signal ${event.signal}`})`;
  }
}

/** `emit`, after logging the worker events it is given. */
export function withLifecycleLog(emit: Emit, options: ResolvedOptions): Emit {
  const logger = getLogger();
  return <E extends keyof PoolEventMap>(event: E, ...args: PoolEventMap[E]): void => {
    if (event === 'workerStart' && logger.isEnabledFor('debug')) {
      const { name, pid, threadId } = args[0] as WorkerStartEvent;
      logger.debug(`${name} (${workerPlace(pid, threadId)}) started`);
    } else if (event === 'workerExit') {
      const exit = args[0] as WorkerExitEvent;
      const level = EXIT_LEVEL[exit.reason];
      if (logger.isEnabledFor(level)) {
        logger[level](`${exit.name} (${workerPlace(exit.pid, exit.threadId)}) ${why(exit, options)}`);
      }
    }
    emit(event, ...args);
  };
}

/** A debug line about the pool as a whole. */
export function logPool(step: 'closing pool' | 'terminating pool' | 'joining pool' | 'pool joined'): void {
  const logger = getLogger();
  if (logger.isEnabledFor('debug')) logger.debug(step);
}
