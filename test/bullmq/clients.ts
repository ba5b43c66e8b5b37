import { readdirSync, readFileSync } from 'node:fs';
import { afterEach } from '@jest/globals';
import { DistributedPool } from '@procpool/bullmq';
import { waitFor } from '../helpers/processes.js';
import { bullmq } from './bullmq-direct.js';

type Options = ConstructorParameters<typeof DistributedPool>[0];

const pools = new Set<DistributedPool>();

/** A DistributedPool that is terminated after the test, whatever the test did with it. */
export function makeDistributedPool(options: Options): DistributedPool {
  const pool = new DistributedPool(options);
  pools.add(pool);
  return pool;
}

afterEach(async () => {
  const all = [...pools];
  pools.clear();
  await Promise.all(all.map((pool) => pool.terminate()));
});

let queues = 0;

/** A queue name of its own for each test, so a test never sees another's jobs. */
export const newQueue = (): string => `test-${process.pid}-${(queues += 1)}`;

/** Waits for a file in `dir` whose name starts with `prefix` (a task's started-KEY-PID); returns its JSON. */
export async function started(dir: string, prefix: string): Promise<{ pid: number; worker: number }> {
  let found: string | undefined;
  await waitFor(
    () => (found = readdirSync(dir).find((name) => name.startsWith(prefix))) !== undefined,
    `a task to write ${prefix}*`,
    30_000,
  );
  return JSON.parse(readFileSync(`${dir}/${found}`, 'utf8')) as { pid: number; worker: number };
}

/** How many files in `dir` start with `prefix`: how many times a task started. */
export const startedCount = (dir: string, prefix: string): number =>
  readdirSync(dir).filter((name) => name.startsWith(prefix)).length;

/** The jobs of `queue` that Redis holds now, by state. */
export async function jobCounts(url: string, queue: string): Promise<Record<string, number>> {
  const q = new bullmq.Queue(queue, { connection: { url } });
  try {
    return await q.getJobCounts('wait', 'active', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed');
  } finally {
    await q.close();
  }
}

/** What `promise` rejects with; fails the test if it resolves. */
export async function rejection<E = unknown>(promise: Promise<unknown>): Promise<E> {
  try {
    await promise;
  } catch (error) {
    return error as E;
  }
  throw new Error('expected a rejection');
}
