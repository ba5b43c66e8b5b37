import { BrokenPoolError, Pool, type PoolOptions } from '@procpool/core';

/**
 * A worker's local Pool, replaced when it breaks. A Pool breaks when its
 * workers keep dying at start, which one job can cause (a task module that
 * exits while it is imported): a local Pool's user sees that in their own
 * calls, but a worker serves every client of the queue, so it fails that job
 * and starts a new Pool for the next.
 */
export class PoolHolder {
  readonly #options: PoolOptions;
  #pool: Pool;

  constructor(options: PoolOptions) {
    this.#options = options;
    this.#pool = new Pool(options);
  }

  get pool(): Pool {
    return this.#pool;
  }

  /** Runs `call` on the Pool; a BrokenPoolError replaces the Pool (once, whoever sees it first) and is rethrown. */
  async run<T>(call: (pool: Pool) => Promise<T>): Promise<T> {
    const pool = this.#pool;
    try {
      return await call(pool);
    } catch (error) {
      if (error instanceof BrokenPoolError && this.#pool === pool) {
        this.#pool = new Pool(this.#options);
        void pool.terminate().catch(() => undefined);
      }
      throw error;
    }
  }
}
