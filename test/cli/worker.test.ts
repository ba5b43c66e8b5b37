import { existsSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeAll, expect, test } from '@jest/globals';
import { DistributedPool } from '@procpool/bullmq';
import { BIN, startCli, type RunningCli } from '../helpers/cli.js';
import { ctrlCGroup, isAlive, waitFor } from '../helpers/processes.js';
import { freePort, startRedis, type RedisServer } from '../helpers/redis.js';
import { tempDir } from '../helpers/temp.js';

// `procpool worker` as a real process against a real redis-server, with a
// DistributedPool as its client. Tasks wait for a file `go` in their test's
// directory, so a test acts on "the job runs" and "the signal was taken",
// never on time.

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});

const pools = new Set<DistributedPool>();
afterEach(async () => {
  await Promise.all([...pools].map((pool) => pool.terminate()));
  pools.clear();
});

let queues = 0;
/** A queue of this test's own, and a client for it. */
function client(options: { attempts?: number; url?: string } = {}): { queue: string; pool: DistributedPool } {
  const queue = `cli-worker-${process.pid}-${++queues}`;
  const pool = new DistributedPool({
    connection: options.url ?? redis.url,
    queue,
    ...(options.attempts === undefined ? {} : { defaultJobOptions: { attempts: options.attempts } }),
  });
  pools.add(pool);
  return { queue, pool };
}

/** A task module in a directory of its own: `hold` writes started-VALUE there, waits for `go`, returns its pid. */
function tasks(): { dir: string; task: (name: string) => string } {
  const dir = tempDir();
  const file = path.join(dir, 'tasks.mjs');
  writeFileSync(
    file,
    `import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
const dir = ${JSON.stringify(dir)};
export const double = (x) => x * 2;
export async function hold(value) {
  writeFileSync(path.join(dir, 'started-' + value), String(process.pid));
  while (!existsSync(path.join(dir, 'go'))) await new Promise((resolve) => setTimeout(resolve, 5));
  return { value, pid: process.pid };
}
export function fail() {
  throw new RangeError('boom');
}
export const pid = () => process.pid;
export const never = () => new Promise(() => {});\n`,
  );
  return { dir, task: (name) => `${pathToFileURL(file).href}#${name}` };
}

/** Resolves once its stderr holds TEXT; rejects should it exit first. */
async function untilStderr(cli: RunningCli, text: string): Promise<void> {
  const ended = (): boolean => cli.child.exitCode !== null || cli.child.signalCode !== null;
  await waitFor(() => cli.stderr().includes(text) || ended(), `'${text}' on the worker's stderr`, 30_000);
  if (!cli.stderr().includes(text)) throw new Error(`the worker exited before saying '${text}':\n${cli.stderr()}`);
}

function startWorker(queue: string, more: string[] = [], env: Record<string, string | undefined> = {}): RunningCli {
  return startCli(['worker', '--redis', redis.url, '--queue', queue, ...more], { env });
}

test('a job sent by a DistributedPool runs on the worker; it says once where it is connected', async () => {
  const { queue, pool } = client();
  const { task } = tasks();
  const worker = startWorker(queue, ['-j', '2', '--name', 'cli-test-worker']);
  await untilStderr(worker, ' processes');
  expect(worker.stderr()).toBe(`procpool worker cli-test-worker: queue ${queue} on ${redis.url}, 2 processes\n`);
  await expect(pool.apply(task('double'), [21])).resolves.toBe(42);
  await expect(pool.map(task('double'), [1, 2, 3, 4, 5])).resolves.toEqual([2, 4, 6, 8, 10]);
  // A task's error is the client's business: it comes back with the worker's name, and the worker prints nothing.
  const error: unknown = await pool.apply(task('fail')).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(RangeError);
  // Its stack names the BullMQ worker the job went through (createWorker's `name`).
  expect(String((error as Error).stack)).toContain('cli-test-worker');
  worker.child.kill('SIGTERM');
  const { code, stderr } = await worker.done;
  expect(code).toBe(0);
  expect(stderr).not.toMatch(/boom|RangeError/);
});

test.each([
  ['--max-tasks-per-child', '1'],
  ['--max-memory', '1MB'], // a Node process is far above it after any task
])('%s %s reaches the pool: each job runs in a new process', async (flag, value) => {
  const { queue, pool } = client();
  const { task } = tasks();
  const worker = startWorker(queue, ['-j', '1', flag, value]);
  await untilStderr(worker, ' process');
  const first = await pool.apply(task('pid'));
  const second = await pool.apply(task('pid'));
  expect(second).not.toBe(first);
  worker.child.kill('SIGTERM');
  expect((await worker.done).code).toBe(0);
});

test('--timeout reaches the pool: a job that never ends fails with TaskTimeoutError, and the next one runs', async () => {
  const { queue, pool } = client();
  const { task } = tasks();
  const worker = startWorker(queue, ['-j', '1', '--timeout', '1s']);
  await untilStderr(worker, ' process');
  await expect(pool.apply(task('never'))).rejects.toMatchObject({ name: 'TaskTimeoutError' });
  await expect(pool.apply(task('double'), [2])).resolves.toBe(4);
  worker.child.kill('SIGTERM');
  expect((await worker.done).code).toBe(0);
});

test('without -j it runs one process per available CPU', async () => {
  const { queue } = client();
  const worker = startWorker(queue);
  await untilStderr(worker, ' process');
  const count = os.availableParallelism();
  expect(worker.stderr()).toContain(`, ${count} process${count === 1 ? '' : 'es'}\n`);
  worker.child.kill('SIGTERM');
  expect((await worker.done).code).toBe(0);
});

test.each(['SIGTERM', 'SIGINT'] as const)(
  '%s while a job runs: it takes no new job, the running one completes, the pool closes, exit 0',
  async (signal) => {
    const { queue, pool } = client();
    const { dir, task } = tasks();
    const worker = startWorker(queue, ['-j', '1']);
    await untilStderr(worker, ' process');
    const running = pool.apply(task('hold'), ['first']);
    await waitFor(() => existsSync(path.join(dir, 'started-first')), 'the job to start', 30_000);
    worker.child.kill(signal);
    await untilStderr(worker, `${signal}: finishing the running jobs`);
    // A job sent now waits in Redis while the worker finishes the first one.
    const later = pool.apply(task('hold'), ['second']);
    await waitForWaiting(queue, 1);
    writeFileSync(path.join(dir, 'go'), '');
    const { pid } = (await running) as { value: string; pid: number };
    const { code, stderr } = await worker.done;
    expect({ code, stderr: stderr.split('\n').length }).toEqual({ code: 0, stderr: 3 });
    // Its pool's process is gone with it, and the second job was left for the next worker.
    await waitFor(() => !isAlive(pid), 'the pool process to exit');
    expect(existsSync(path.join(dir, 'started-second'))).toBe(false);
    const next = startWorker(queue, ['-j', '1']);
    await expect(later).resolves.toMatchObject({ value: 'second' });
    next.child.kill('SIGTERM');
    expect((await next.done).code).toBe(0);
  },
);

test("a terminal's Ctrl-C (SIGINT to the whole group) lets the running job finish: the pool's processes ignore it", async () => {
  const { queue, pool } = client();
  const { dir, task } = tasks();
  const running = pool.apply(task('hold'), ['first']);
  const { code } = await ctrlCGroup({
    args: [BIN, 'worker', '--redis', redis.url, '--queue', queue, '-j', '1'],
    dir,
    started: () => existsSync(path.join(dir, 'started-first')),
    taken: 'SIGINT: finishing the running jobs',
  });
  expect(code).toBe(0);
  await expect(running).resolves.toMatchObject({ value: 'first' });
});

test.each([
  ['SIGTERM', 'SIGTERM', 143],
  ['SIGINT', 'SIGINT', 130],
  ['SIGTERM', 'SIGINT', 130],
] as const)(
  'a second signal (%s, then %s) stops it at once, exit %d; the running job goes back to the queue and another worker runs it',
  async (first, second, exitCode) => {
    // A stall is a try: with two, the job runs again on the second worker.
    const { queue, pool } = client({ attempts: 2 });
    const { dir, task } = tasks();
    const fast = ['-j', '1', '--lock-duration', '1s', '--stalled-interval', '500ms'];
    const worker = startWorker(queue, fast);
    await untilStderr(worker, ' process');
    const running = pool.apply(task('hold'), ['first']);
    await waitFor(() => existsSync(path.join(dir, 'started-first')), 'the job to start', 30_000);
    worker.child.kill(first);
    await untilStderr(worker, `${first}: finishing the running jobs`);
    worker.child.kill(second);
    const { code, stderr } = await worker.done;
    expect(code).toBe(exitCode);
    expect(stderr).toContain(`${second}: stopping now`);
    // The job did not finish there (no `go` yet): it is still pending, for the next worker.
    writeFileSync(path.join(dir, 'go'), '');
    const other = startWorker(queue, fast);
    await expect(running).resolves.toMatchObject({ value: 'first' });
    other.child.kill('SIGTERM');
    expect((await other.done).code).toBe(0);
  },
);

test('Redis gone: SIGTERM still ends the worker, exit 0 (no job was running)', async () => {
  const own = await startRedis();
  const worker = startCli(['worker', '--redis', own.url, '--queue', 'gone', '-j', '1']);
  await untilStderr(worker, ' process');
  await own.kill();
  worker.child.kill('SIGTERM');
  await untilStderr(worker, 'SIGTERM: finishing the running jobs');
  expect((await worker.done).code).toBe(0);
});

test('Redis gone longer than --reconnect-timeout: the worker says so in one line and exits 1', async () => {
  const own = await startRedis();
  const worker = startCli(['worker', '--redis', own.url, '--queue', 'gone', '-j', '1', '--reconnect-timeout', '1s']);
  await untilStderr(worker, ' process');
  await own.kill();
  const { code, stderr } = await worker.done;
  expect(code).toBe(1);
  const lines = stderr.split('\n');
  expect(lines).toHaveLength(3);
  expect(lines[1]).toMatch(/^procpool worker [^:]+:\d+: .*Redis.*redis:\/\/127\.0\.0\.1:\d+/);
});

test('Redis that cannot be reached: one line, exit 1', async () => {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const cli = startCli(['worker', '--redis', url, '--queue', 'q', '--connect-timeout', '1s']);
  const { code, stdout, stderr } = await cli.done;
  expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
  expect(stderr).toMatch(/^procpool worker: [^\n]+\n$/);
  expect(stderr).toContain(url);
});

test('the Redis password is never printed: not when connected, nor refused, nor unreachable', async () => {
  // A Redis of its own that wants a password (the shared one has none).
  const locked = await startRedis();
  await configSet(locked.port, 'requirepass', 'hunter2');
  const { queue, pool } = client({ url: `redis://:hunter2@127.0.0.1:${locked.port}` });
  const { task } = tasks();
  // From the environment: then the password is not in ps either.
  const worker = startCli(['worker', '--queue', queue, '-j', '1'], {
    env: { REDIS_URL: `redis://:hunter2@127.0.0.1:${locked.port}` },
  });
  await untilStderr(worker, ' process');
  expect(worker.stderr()).toContain(`on redis://:***@127.0.0.1:${locked.port}, 1 process\n`);
  await expect(pool.apply(task('double'), [4])).resolves.toBe(8);
  worker.child.kill('SIGTERM');
  const connected = await worker.done;
  expect(connected.code).toBe(0);

  const wrongUrl = `redis://:hunter3@127.0.0.1:${locked.port}`;
  const wrong = await startCli(['worker', '--redis', wrongUrl, '--queue', queue, '--connect-timeout', '2s']).done;
  const port = await freePort();
  const unreachable = await startCli([
    'worker',
    '--redis',
    `redis://user:hunter2@127.0.0.1:${port}/0?password=hunter2`,
    '--queue',
    queue,
    '--connect-timeout',
    '1s',
  ]).done;
  for (const { code, stderr } of [wrong, unreachable]) {
    expect(code).toBe(1);
    expect(stderr).toMatch(/^procpool worker: [^\n]+\n$/);
  }
  expect(connected.stderr + wrong.stderr + unreachable.stderr).not.toMatch(/hunter[23]/);
  await pool.close();
  await locked.stop();
});

// One Redis command over a raw socket (no Redis client needed): its reply as RESP text.
function command(port: number, words: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(`${words.join(' ')}\r\n`));
    socket.once('data', (chunk: Buffer) => {
      socket.destroy();
      resolve(chunk.toString());
    });
    socket.once('error', reject);
  });
}

async function configSet(port: number, name: string, value: string): Promise<void> {
  const reply = await command(port, ['CONFIG', 'SET', name, value]);
  if (!reply.startsWith('+OK')) throw new Error(reply);
}

/** Resolves once COUNT jobs of QUEUE wait in Redis (BullMQ's list bull:QUEUE:wait). */
async function waitForWaiting(queue: string, count: number): Promise<void> {
  for (let reply = ''; reply !== `:${count}\r\n`;) {
    reply = await command(redis.port, ['LLEN', `bull:${queue}:wait`]);
    if (reply !== `:${count}\r\n`) await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
