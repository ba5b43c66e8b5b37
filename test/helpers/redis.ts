import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from '@jest/globals';

/** A throwaway redis-server of this test file: no persistence, its own port and directory. */
export interface RedisServer {
  /** `redis://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  /** The pid of the running redis-server (a new one after restart()). */
  readonly pid: number;
  /** SIGTERM, then its exit. */
  stop(): Promise<void>;
  /** SIGKILL, then its exit: Redis vanishes mid-conversation. */
  kill(): Promise<void>;
  /** Stops it if it runs, then starts a new one on the same port, empty (nothing was saved). */
  restart(): Promise<void>;
}

const script = fileURLToPath(new URL('../../scripts/ensure-redis.sh', import.meta.url));
let redisServer: Promise<string> | undefined;

/** The redis-server that scripts/ensure-redis.sh found (or installed); rejects saying why there is none. */
export function ensureRedis(): Promise<string> {
  redisServer ??= promisify(execFile)('bash', [script], { timeout: 600_000 }).then(
    ({ stdout }) => stdout.trim().split('\n').at(-1) ?? '',
    (error: Error & { stderr?: string }) => {
      throw new Error(`These tests need redis-server >= 6.2: ${error.stderr ?? error.message}`);
    },
  );
  return redisServer;
}

/** A port nothing listens on now (the kernel's pick; another process may still take it). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// PING over a raw socket: true on +PONG from the redis-server `pid` (not another one already on
// the port), false when nothing (or not yet Redis) answers.
function ping(port: number, pid: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\nINFO server\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      const match = /process_id:(\d+)\r\n/.exec(reply);
      if (match !== null) done(reply.startsWith('+PONG') && Number(match[1]) === pid);
    });
    socket.once('close', () => done(false));
  });
}

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));

class AddressInUse extends Error {}

// Starts redis-server on `port` and resolves once it answers PING; rejects (with its log) if it exits first.
async function launch(binary: string, port: number, dir: string): Promise<ChildProcess> {
  const log = path.join(dir, 'redis.log');
  rmSync(log, { force: true });
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  args.push('--dir', dir, '--daemonize', 'no', '--logfile', log);
  // Its process title would overwrite its environment, where the suite's teardown looks for PROCPOOL_TEST_RUN.
  args.push('--set-proc-title', 'no');
  const child = spawn(binary, args, { stdio: 'ignore' });
  live.add(child);
  child.once('exit', (code, signal) => {
    live.delete(child);
    // Only the test stops its Redis: any other end (a crash, someone else's kill) is worth its log on the output.
    if (answered.has(child) && !stopping.has(child)) {
      process.stderr.write(
        `redis-server on port ${port} exited, not stopped by the test (${signal ?? code}):\n${readLog(log)}\n`,
      );
    }
  });
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  if (child.pid === undefined) throw await spawnError;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const text = readLog(log);
      if (text.includes('Address already in use')) throw new AddressInUse(text);
      throw new Error(`redis-server on port ${port} exited (${child.signalCode ?? child.exitCode}):\n${text}`);
    }
    if (await ping(port, child.pid)) {
      answered.add(child);
      return child;
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await exited(child);
      throw new Error(`redis-server on port ${port} did not answer PING within 30 s:\n${readLog(log)}`);
    }
    // Readiness only: Redis answers ~12 ms after spawn.
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function readLog(log: string): string {
  try {
    return readFileSync(log, 'utf8');
  } catch {
    return '';
  }
}

const live = new Set<ChildProcess>();
const stopping = new WeakSet<ChildProcess>();
const answered = new WeakSet<ChildProcess>();
const dirs = new Set<string>();

// Each test file has its own copy of this module (jest's registry) but shares the process: one
// exit handler per process, over every copy's servers, so a worker that dies leaves none behind.
const key = Symbol.for('procpool.test.redisServers');
const registry = globalThis as { [key]?: Array<{ live: Set<ChildProcess>; dirs: Set<string> }> };
if (registry[key] === undefined) {
  const all: Array<{ live: Set<ChildProcess>; dirs: Set<string> }> = [];
  registry[key] = all;
  process.on('exit', () => {
    for (const copy of all) {
      for (const child of copy.live) child.kill('SIGKILL');
      for (const dir of copy.dirs) rmSync(dir, { recursive: true, force: true });
    }
  });
}
registry[key].push({ live, dirs });

/**
 * Starts a redis-server for this test file (on a free port unless `port` is
 * given), answering PING when this resolves. Every one still running at the
 * end of the file is killed and its directory removed.
 */
export async function startRedis(options: { port?: number } = {}): Promise<RedisServer> {
  const binary = await ensureRedis();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'procpool-redis-'));
  dirs.add(dir);
  let port = options.port ?? (await freePort());
  let child: ChildProcess | undefined;
  // Between freePort() and redis' bind another process may take the port: try another.
  for (let tries = 0; child === undefined; tries += 1) {
    try {
      child = await launch(binary, port, dir);
    } catch (error) {
      if (!(error instanceof AddressInUse) || options.port !== undefined || tries >= 5) {
        rmSync(dir, { recursive: true, force: true });
        dirs.delete(dir);
        throw error;
      }
      port = await freePort();
    }
  }
  let current = child;
  const signal = async (name: NodeJS.Signals): Promise<void> => {
    stopping.add(current);
    if (current.exitCode === null && current.signalCode === null) current.kill(name);
    await exited(current);
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() {
      return current.pid!;
    },
    stop: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
    restart: async () => {
      await signal('SIGTERM');
      current = await launch(binary, port, dir);
    },
  };
}

async function stopAll(): Promise<void> {
  await Promise.all(
    [...live].map((child) => {
      stopping.add(child);
      child.kill('SIGKILL');
      return exited(child);
    }),
  );
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

// Installing Redis (apt-get) may take minutes on a new machine: found or installed here, before the file's
// own hooks and tests, under a timeout of its own; if it cannot be, every test of the file fails saying why.
beforeAll(() => ensureRedis().then(() => undefined), 600_000);
afterAll(stopAll);

/**
 * One Redis command through redis-cli, run synchronously (the caller's event
 * loop stays blocked while it asks), for `server`; its reply as a number.
 */
export async function syncCommands(server: RedisServer): Promise<(...args: string[]) => number> {
  const redisCli = path.join(path.dirname(await ensureRedis()), 'redis-cli');
  return (...args) => Number(execFileSync(redisCli, ['-p', String(server.port), ...args], { encoding: 'utf8' }).trim());
}
