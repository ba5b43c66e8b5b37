import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, test } from '@jest/globals';
import {
  getLogger,
  logToStderr,
  type LogHandler,
  type LogLevel,
  type LogRecord,
  type Pool,
  type PoolOptions,
  type WorkerExitEvent,
  type WorkerStartEvent,
} from '@procpool/core';
import * as tasks from '../fixtures/tasks.mjs';
import { kinds, makePool, notForThreads, processOnlyTest, workerId, type PoolKind } from './helpers/pools.js';

const run = promisify(execFile);
const root = (path: string): string => fileURLToPath(new URL(`../${path}`, import.meta.url));
const logger = getLogger();

// How a line names where a worker runs: `(pid 1234)`, or `(thread 7)` for a thread of this process.
const placeWord: Record<PoolKind, string> = { process: 'pid', thread: 'thread' };
const place = (kind: PoolKind, event: { pid: number; threadId?: number }): string =>
  `${placeWord[kind]} ${workerId(event)}`;
// Where a process is killed, a thread is terminated; a process's memory is its RSS, a thread's its heap.
const stopped: Record<PoolKind, string> = { process: 'killed', thread: 'terminated' };
const measured: Record<PoolKind, string> = { process: 'memory (RSS)', thread: 'heap' };

/** Records what reaches the logger until the test ends. */
function collect(level: LogLevel): LogRecord[] {
  const records: LogRecord[] = [];
  logger.setLevel(level);
  logger.addHandler((record) => records.push(record));
  return records;
}

afterEach(() => {
  for (const handler of logger.handlers) logger.removeHandler(handler);
  logger.setLevel('warn');
});

describe('the logger', () => {
  test('off by default: level warn, no handler, nothing enabled', () => {
    expect(logger.level).toBe('warn');
    expect(logger.handlers).toEqual([]);
    for (const level of ['debug', 'info', 'warn', 'error'] as const) expect(logger.isEnabledFor(level)).toBe(false);
  });

  test('a handler gets the records at or above the level, in order, with the process and the time', () => {
    const before = Date.now();
    const records = collect('info');
    logger.debug('dropped');
    logger.info('one');
    logger.warn('two');
    logger.error('three');
    expect(records.map((r) => [r.level, r.message])).toEqual([
      ['info', 'one'],
      ['warn', 'two'],
      ['error', 'three'],
    ]);
    for (const record of records) {
      expect(record).toMatchObject({ processName: 'MainProcess', pid: process.pid });
      expect(record.time).toBeGreaterThanOrEqual(before);
      expect(record.time).toBeLessThanOrEqual(Date.now());
    }
    expect([logger.isEnabledFor('debug'), logger.isEnabledFor('info'), logger.isEnabledFor('error')]).toEqual([
      false,
      true,
      true,
    ]);
  });

  test('setLevel moves the threshold both ways', () => {
    const records = collect('error');
    logger.warn('dropped');
    logger.setLevel('debug');
    logger.debug('kept');
    expect(records.map((r) => r.message)).toEqual(['kept']);
  });

  test('a handler is added once, removed, and handlers is a copy', () => {
    const seen: string[] = [];
    const a: LogHandler = (record) => seen.push(`a:${record.message}`);
    const b: LogHandler = (record) => seen.push(`b:${record.message}`);
    logger.addHandler(a);
    logger.addHandler(b);
    logger.addHandler(a);
    expect(logger.handlers).toEqual([a, b]);
    (logger.handlers as LogHandler[]).length = 0;
    expect(logger.handlers).toHaveLength(2);
    logger.warn('x');
    logger.removeHandler(a);
    logger.warn('y');
    logger.removeHandler(b);
    expect(logger.isEnabledFor('error')).toBe(false);
    logger.error('z');
    expect(seen).toEqual(['a:x', 'b:x', 'b:y']);
  });

  test('a handler removing itself while called does not make the others miss the record', () => {
    const seen: string[] = [];
    const once: LogHandler = () => logger.removeHandler(once);
    logger.addHandler(once);
    logger.addHandler((record) => seen.push(record.message));
    logger.warn('x');
    logger.warn('y');
    expect(seen).toEqual(['x', 'y']);
  });

  test('logToStderr adds one handler however often it is called, sets the level, returns the logger', () => {
    expect(logToStderr()).toBe(logger);
    expect(logger.level).toBe('info');
    logToStderr('error');
    expect(logger.level).toBe('error');
    expect(logger.handlers).toHaveLength(1);
  });

  test('every copy of procpool in a process shares the logger', async () => {
    const other = (await import(root('packages/core/dist/index.js'))) as { getLogger: typeof getLogger };
    expect(other.getLogger()).toBe(logger);
  });

  test.each([
    ["setLevel('warning')", () => logger.setLevel('warning' as LogLevel), 'got `warning` (string)'],
    ["setLevel('DEBUG')", () => logger.setLevel('DEBUG' as LogLevel), 'got `DEBUG` (string)'],
    ['setLevel(20)', () => logger.setLevel(20 as unknown as LogLevel), 'got `20` (number)'],
    ['setLevel(undefined)', () => logger.setLevel(undefined as unknown as LogLevel), 'got `undefined` (undefined)'],
    ["isEnabledFor('trace')", () => logger.isEnabledFor('trace' as LogLevel), 'got `trace` (string)'],
    ["logToStderr('verbose')", () => logToStderr('verbose' as LogLevel), 'got `verbose` (string)'],
    ['logToStderr(null)', () => logToStderr(null as unknown as LogLevel), 'got `null` (object)'],
  ])('%s: a level must be one of the four', (_call, call, got) => {
    expect(call).toThrow(new TypeError(`Expected \`level\` to be one of 'debug', 'info', 'warn', 'error', ${got}`));
    expect(logger.handlers).toEqual([]); // a bad logToStderr adds nothing
    expect(logger.level).toBe('warn');
  });

  test.each([
    ['addHandler(null)', () => logger.addHandler(null as unknown as LogHandler), 'got `null` (object)'],
    ["addHandler('stderr')", () => logger.addHandler('stderr' as unknown as LogHandler), 'got `stderr` (string)'],
    [
      'removeHandler(undefined)',
      () => logger.removeHandler(undefined as unknown as LogHandler),
      'got `undefined` (undefined)',
    ],
  ])('%s: a handler must be a function', (_call, call, got) => {
    expect(call).toThrow(new TypeError(`Expected \`handler\` to be a function, ${got}`));
  });

  test.each(kinds)(
    'a throwing handler surfaces as an uncaught exception; the other handlers and the pool go on (%s)',
    async (kind) => {
      // In its own process: jest turns uncaught exceptions into suite failures.
      const script = root('fixtures/throwing-log-handler.mjs');
      const { stdout } = await run(process.execPath, [script, kind], { timeout: 30_000 });
      const result = JSON.parse(stdout) as { seen: string[]; received: string[]; after: number };
      expect(result.seen).toEqual(['log handler bug']);
      expect(result.received[0]).toBe('first');
      expect(result.received[1]).toMatch(new RegExp(`^PoolWorker-1 \\(${placeWord[kind]} \\d+\\) started$`));
      expect(result.after).toBe(9);
    },
  );
});

const exitOf = (pool: Pool): Promise<WorkerExitEvent> =>
  once(pool, 'workerExit').then(([event]) => event as WorkerExitEvent);

describe.each(kinds)("a pool's lifecycle (%s)", (kind) => {
  test.each<[string, PoolOptions, (pool: Pool) => Promise<unknown>, LogLevel, string]>([
    [
      'maxTasks',
      { maxTasksPerChild: 1 },
      (pool) => pool.apply(tasks.square, [2]),
      'debug',
      'exited after 1 tasks (maxTasksPerChild)',
    ],
    [
      'memory',
      { maxMemoryPerChild: 1 },
      (pool) => pool.apply(tasks.square, [2]),
      'info',
      `retired: its ${measured[kind]} passed maxMemoryPerChild (1 bytes)`,
    ],
    [
      'timeout',
      { taskTimeout: 1 },
      (pool) => pool.apply(tasks.sleep, [60_000]).catch(() => {}),
      'info',
      `${stopped[kind]}: a task ran past its taskTimeout`,
    ],
    [
      'abort',
      {},
      async (pool) => {
        await pool.apply(tasks.square, [1]); // ready, so the task below is running when it is aborted
        const controller = new AbortController();
        const running = pool.apply(tasks.sleep, [60_000], { signal: controller.signal }).catch(() => {});
        controller.abort();
        await running;
      },
      'info',
      `${stopped[kind]}: the task it was running was aborted`,
    ],
    ['crash', {}, (pool) => pool.apply(tasks.exitNow, [3]).catch(() => {}), 'warn', 'died unexpectedly (exit code 3)'],
  ])(
    'a worker that exits for %s: one line at its level, logged before workerExit is emitted',
    async (reason, options, act, level, text) => {
      const records = collect('debug');
      const pool = makePool({ processes: 1, ...options }, kind);
      // What had been logged when the first workerExit listener ran.
      const exit = new Promise<[WorkerExitEvent, LogRecord[]]>((resolve) =>
        pool.once('workerExit', (event) => resolve([event, [...records]])),
      );
      await act(pool);
      const [event, logged] = await exit;
      expect(event.reason).toBe(reason);
      const line = `${event.name} (${place(kind, event)}) ${text}`;
      expect(logged.filter((r) => r.message === line)).toEqual([expect.objectContaining({ level })]);
    },
  );

  test('starts, close, join and shutdown exits are debug lines; a worker that exits by itself is a warning', async () => {
    const records = collect('debug');
    const pool = makePool(1, kind);
    await pool.apply(tasks.square, [1]);
    const exit = exitOf(pool);
    const replaced = once(pool, 'workerStart');
    await expect(pool.apply(tasks.exitNow, [3])).rejects.toThrow('died with exit code 3');
    const died = await exit;
    const [replacement] = (await replaced) as [WorkerStartEvent];
    pool.close();
    pool.close();
    await pool.join();
    const lines = records.map((r) => `${r.level} ${r.message}`);
    expect(lines).toEqual([
      `debug ${died.name} (${place(kind, died)}) started`,
      `warn ${died.name} (${place(kind, died)}) died unexpectedly (exit code 3)`,
      `debug ${replacement.name} (${place(kind, replacement)}) started`,
      'debug closing pool',
      'debug joining pool',
      `debug ${replacement.name} (${place(kind, replacement)}) exited: the pool is shutting down`,
      'debug pool joined',
    ]);
  });

  test('terminate logs once however often it is called', async () => {
    const pool = makePool(1, kind);
    await pool.apply(tasks.square, [1]);
    const records = collect('debug');
    await pool.terminate();
    await pool.terminate();
    expect(records.filter((r) => r.message === 'terminating pool')).toHaveLength(1);
  });

  test('nothing reaches a handler below its level', async () => {
    const records = collect('warn');
    const pool = makePool({ processes: 1, maxTasksPerChild: 1 }, kind);
    await pool.map(tasks.square, [1, 2], 1);
    pool.close();
    await pool.join();
    expect(records).toEqual([]);
  });
});

processOnlyTest(
  'starts, close, join and shutdown exits are debug lines; a SIGKILLed worker is a warning',
  notForThreads.outsideKill,
  async () => {
    const records = collect('debug');
    const pool = makePool(1);
    const victim = await pool.apply(tasks.pid);
    const exit = exitOf(pool);
    const replaced = once(pool, 'workerStart');
    process.kill(victim, 'SIGKILL');
    await exit;
    const [replacement] = (await replaced) as [{ pid: number; name: string }];
    pool.close();
    pool.close();
    await pool.join();
    const lines = records.map((r) => `${r.level} ${r.message}`);
    expect(lines).toEqual([
      expect.stringMatching(/^debug PoolWorker-\d+ \(pid \d+\) started$/),
      expect.stringMatching(
        new RegExp(`^warn PoolWorker-\\d+ \\(pid ${victim}\\) died unexpectedly \\(signal SIGKILL\\)$`),
      ),
      `debug ${replacement.name} (pid ${replacement.pid}) started`,
      'debug closing pool',
      'debug joining pool',
      `debug ${replacement.name} (pid ${replacement.pid}) exited: the pool is shutting down`,
      'debug pool joined',
    ]);
  },
);

describe.each(kinds)('logToStderr in a real process (%s pool)', (kind) => {
  test('prints Python-style lines: starts, exit after N tasks, a death and its replacement, close and join', async () => {
    const script = root('fixtures/log-lifecycle.mjs');
    const { stdout, stderr } = await run(process.execPath, [script, 'debug', kind], { timeout: 60_000 });
    // Where each worker ran, as the lines name it: `pid N`, or `thread N`.
    const { retiree, victim, replacement } = JSON.parse(stdout) as Record<string, string>;
    for (const where of [retiree, victim, replacement]) expect(where).toMatch(new RegExp(`^${placeWord[kind]} \\d+$`));
    const lines = stderr.trimEnd().split('\n');
    for (const line of lines) expect(line).toMatch(/^\[(DEBUG|WARNING)\/MainProcess\] \S/);
    const at = (line: string): number => {
      const index = lines.indexOf(line);
      expect({ line, found: index >= 0 }).toEqual({ line, found: true });
      return index;
    };
    at(`[DEBUG/MainProcess] PoolWorker-1 (${retiree}) started`);
    at(`[DEBUG/MainProcess] PoolWorker-2 (${victim}) started`);
    at(`[DEBUG/MainProcess] PoolWorker-1 (${retiree}) exited after 2 tasks (maxTasksPerChild)`);
    // A process is SIGKILLed; a thread, which has no pid of its own, exits by itself.
    const how = kind === 'thread' ? 'exit code 9' : 'signal SIGKILL';
    const died = at(`[WARNING/MainProcess] PoolWorker-2 (${victim}) died unexpectedly (${how})`);
    const started = at(`[DEBUG/MainProcess] PoolWorker-3 (${replacement}) started`);
    expect(died).toBeLessThan(started);
    expect(lines.slice(-4)).toEqual([
      '[DEBUG/MainProcess] closing pool',
      '[DEBUG/MainProcess] joining pool',
      `[DEBUG/MainProcess] PoolWorker-3 (${replacement}) exited: the pool is shutting down`,
      '[DEBUG/MainProcess] pool joined',
    ]);
    expect(lines).toHaveLength(9);
  });

  test('off by default: the same life prints nothing', async () => {
    const script = root('fixtures/log-lifecycle.mjs');
    const { stdout, stderr } = await run(process.execPath, [script, 'off', kind], { timeout: 60_000 });
    expect(Object.keys(JSON.parse(stdout) as object)).toEqual(['retiree', 'victim', 'replacement']);
    expect(stderr).toBe('');
  });
});

// The documentation's examples use a process Pool, as docs/logging.md shows them.
describe('docs/logging.md', () => {
  const doc = readFileSync(root('docs/logging.md'), 'utf8');

  test('its examples are examples/logging, word for word', () => {
    for (const file of ['to-stderr.mjs', 'tasks.mjs', 'handler.mjs']) {
      expect(doc).toContain('```js\n' + readFileSync(root(`examples/logging/${file}`), 'utf8') + '```');
    }
  });

  test('to-stderr.mjs prints what the doc shows: the parent lines and the workers lines', async () => {
    const { stdout, stderr } = await run(process.execPath, [root('examples/logging/to-stderr.mjs')], {
      timeout: 60_000,
    });
    expect(stdout).toBe('[ 1, 4, 9 ]\n');
    // Lines from different processes come in no fixed order: compare them sorted, with pids masked.
    const masked = (text: string): string[] =>
      text
        .trimEnd()
        .split('\n')
        .map((line) => line.replace(/pid \d+/, 'pid N').replace(/^\[INFO\/PoolWorker-\d\]/, '[INFO/PoolWorker-K]'))
        .sort();
    const shown = /```text\n([^`]*)```/.exec(doc)?.[1] ?? '';
    expect(masked(stderr)).toEqual(masked(shown));
  });

  test('handler.mjs prints one JSON object per line, ending with the terminating pool', async () => {
    const { stdout } = await run(process.execPath, [root('examples/logging/handler.mjs')], { timeout: 60_000 });
    const records = stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.map((r) => r.message)).toEqual([
      expect.stringMatching(/^PoolWorker-\d \(pid \d+\) started$/),
      expect.stringMatching(/^PoolWorker-\d \(pid \d+\) started$/),
      'terminating pool',
      expect.stringMatching(/^PoolWorker-\d \(pid \d+\) exited: the pool is shutting down$/),
      expect.stringMatching(/^PoolWorker-\d \(pid \d+\) exited: the pool is shutting down$/),
    ]);
    for (const record of records) {
      expect(record).toMatchObject({ level: 'debug', processName: 'MainProcess', pid: expect.any(Number) });
      expect(new Date(record.time as string).toISOString()).toBe(record.time);
    }
  });
});
