import type { AnyFunction } from '../common/tasks.js';
import { Pool } from './pool/pool.js';
import type { ManagerOptions } from './managers/manager.js';
import { Manager, type SyncManager } from './managers/sync-manager.js';
import type { ProcessOptions } from './process/options.js';
import { Process } from './process/process.js';
import type { PoolOptions } from './pool/options.js';
import { checkStartMethod, getStartMethod, type ContextLike, type StartMethod } from './start-methods.js';

/** Pool, Process and helpers bound to one start method, as Python's `get_context()` returns. */
export interface Context extends ContextLike {
  /** A Pool whose `context` defaults to this one. */
  readonly Pool: typeof Pool;
  /** A Process whose `context` defaults to this one. */
  readonly Process: typeof Process;
  /** A started SyncManager whose server process uses this start method. */
  Manager(options?: Omit<ManagerOptions, 'context'>): Promise<SyncManager>;
  getStartMethod(): StartMethod;
}

const contexts = new Map<StartMethod, Context>();

/** The context of start method `method` (default: the current default start method). */
export function getContext(method?: StartMethod): Context {
  const chosen = method ?? getStartMethod();
  checkStartMethod(chosen);
  let context = contexts.get(chosen);
  if (context === undefined) {
    class ContextPool extends Pool {
      constructor(options?: number | PoolOptions) {
        const given = typeof options === 'number' ? { processes: options } : { ...options };
        super({ ...given, context: given.context ?? chosen });
      }
    }
    class ContextProcess<F extends AnyFunction = AnyFunction> extends Process<F> {
      constructor(options?: ProcessOptions<F>) {
        super({ ...options, context: options?.context ?? chosen });
      }
    }
    context = Object.freeze({
      startMethod: chosen,
      Pool: ContextPool,
      Process: ContextProcess,
      Manager: (options?: Omit<ManagerOptions, 'context'>) => Manager({ ...options, context: chosen }),
      getStartMethod: () => chosen,
    });
    contexts.set(chosen, context);
  }
  return context;
}
