import { afterEach, expect, test } from '@jest/globals';
import { getLogger, type LogRecord } from '@procpool/core';
import * as tasks from '../../fixtures/tasks.mjs';
import { growHeap } from '../../fixtures/thread-tasks.mjs';
import { makeThreadPool, nextExit } from './thread-pools.js';

const logger = getLogger();

function collect(): LogRecord[] {
  const records: LogRecord[] = [];
  logger.setLevel('debug');
  logger.addHandler((record) => records.push(record));
  return records;
}

afterEach(() => {
  for (const handler of logger.handlers) logger.removeHandler(handler);
  logger.setLevel('warn');
});

test('lifecycle lines name a thread by its id, and say what a thread has: a heap, termination', async () => {
  const records = collect();
  const pool = makeThreadPool({ processes: 1, maxMemoryPerChild: 1 });
  const retired = nextExit(pool);
  await pool.apply(growHeap, [1]);
  const { name, threadId } = await retired;
  const exited = nextExit(pool);
  await pool.apply(tasks.sleep, [60_000], { taskTimeout: 1 }).catch(() => {});
  const timedOut = await exited;
  const lines = records.map((r) => `${r.level} ${r.message}`);
  expect(lines).toContain(`debug ${name} (thread ${String(threadId)}) started`);
  expect(lines).toContain(
    `info ${name} (thread ${String(threadId)}) retired: its heap passed maxMemoryPerChild (1 bytes)`,
  );
  expect(lines).toContain(
    `info ${timedOut.name} (thread ${String(timedOut.threadId)}) terminated: a task ran past its taskTimeout`,
  );
});
