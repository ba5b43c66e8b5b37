import { createRequire } from 'node:module';

// BullMQ itself (the package's dependency, not the suite's), typed as far as the tests use it: to look
// at a queue the way its own tools do, and to play a client or worker that is not procpool's.

interface Connection {
  connection: { url: string };
}

export interface BullQueue {
  add(name: string, data: unknown, opts?: Record<string, unknown>): Promise<{ id?: string }>;
  getJob(id: string): Promise<{ failedReason?: string; finishedOn?: number } | undefined>;
  getJobState(id: string): Promise<string>;
  getJobCounts(...states: string[]): Promise<Record<string, number>>;
  close(): Promise<void>;
}

export interface BullWorker {
  waitUntilReady(): Promise<unknown>;
  on(event: 'error', listener: (error: Error) => void): void;
  close(): Promise<void>;
}

export const bullmq = createRequire(new URL('../../packages/bullmq/package.json', import.meta.url))('bullmq') as {
  Queue: new (name: string, options: Connection) => BullQueue;
  Worker: new (
    name: string,
    processor: (job: { data: unknown }) => Promise<unknown>,
    options: Connection,
  ) => BullWorker;
};
