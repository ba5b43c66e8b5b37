// @ts-check
// A throwaway redis-server for P and P2 (scenarios/distributed.mjs): the one
// scripts/ensure-redis.sh finds (or installs), else the one on PATH; on a free
// loopback port, in a temporary folder, persistence off; stopped afterwards.
// Whatever the trial leaves running (redis-server, the worker processes) is
// SIGKILLed when it exits, even by a signal; redis-server also by the kernel
// (setpriv --pdeathsig) should the trial be SIGKILLed.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ENSURE = fileURLToPath(new URL('../ensure-redis.sh', import.meta.url));
const MISSING =
  'P and P2 need redis-server >= 6.2: install it (e.g. `sudo apt-get install redis-server`) or put it on PATH';

/** The redis-server binary: the project's script's, where it exists, else the one on PATH; or an error. */
async function redisServer() {
  const [file, args] = existsSync(ENSURE) ? ['bash', [ENSURE]] : ['sh', ['-c', 'command -v redis-server']];
  try {
    const { stdout } = await run(file, args);
    const found = stdout.trim().split('\n').pop() ?? '';
    if (found) return found;
  } catch (error) {
    const stderr = String(/** @type {{ stderr?: unknown }} */ (error).stderr ?? '').trim();
    throw new Error(`${MISSING}${stderr ? `: ${stderr}` : ''}`);
  }
  throw new Error(MISSING);
}

/** util-linux's setpriv, where it exists: the kernel then kills redis-server if the trial dies. */
async function setpriv() {
  try {
    return (await run('sh', ['-c', 'command -v setpriv'])).stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** @type {Set<import('node:child_process').ChildProcess>} */
const live = new Set();
/** @type {Set<string>} */
const dirs = new Set();
const killAll = () => {
  for (const child of live) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
};
let guarded = false;
/**
 * Kills `child` (and removes `dir`) when this process exits, also on
 * SIGTERM and SIGINT (run.mjs's timeout, a Ctrl-C), until it is untracked.
 * @param {import('node:child_process').ChildProcess} child
 * @param {string} [dir]
 */
export function track(child, dir) {
  live.add(child);
  if (dir !== undefined) dirs.add(dir);
  child.once('exit', () => live.delete(child));
  if (guarded) return;
  guarded = true;
  process.once('exit', killAll);
  for (const [signal, code] of /** @type {const} */ ([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ]))
    process.once(signal, () => {
      killAll();
      process.exit(code);
    });
}

/** A port nothing listens on now (another process may take it before redis does: startRedis retries). */
const freePort = () =>
  new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {net.AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });

/** Whether redis answers PING on `port`. @param {number} port */
const pong = (port) =>
  new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    socket.setTimeout(500, () => socket.destroy());
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => {
      text += data.toString();
      if (text.includes('\r\n')) socket.end();
    });
    socket.once('close', () => resolve(text.startsWith('+PONG')));
    socket.once('error', () => {});
  });

/**
 * Awaits the child's exit, or SIGKILLs it after `ms`.
 * @param {import('node:child_process').ChildProcess} child
 * @param {number} ms
 */
export async function stopped(child, ms) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  await exited;
  clearTimeout(timer);
}

/**
 * A redis-server of its own, persistence off, answering PING.
 * @returns {Promise<{ port: number, url: string, stop: () => Promise<void> }>}
 */
export async function startRedis() {
  const [binary, guard] = await Promise.all([redisServer(), setpriv()]);
  for (let attempt = 1; ; attempt += 1) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'procpool-bench-redis-'));
    const port = /** @type {number} */ (await freePort());
    const args = [
      ...['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      ...['--dir', dir, '--daemonize', 'no', '--logfile', path.join(dir, 'redis.log')],
    ];
    const [file, ...argv] = guard ? [guard, '--pdeathsig', 'KILL', '--', binary, ...args] : [binary, ...args];
    const child = spawn(/** @type {string} */ (file), argv, { stdio: 'ignore' });
    track(child, dir);
    const stop = async () => {
      child.kill('SIGTERM'); // redis exits at its next cron tick (~100 ms), nothing saved
      await stopped(child, 5000);
      rmSync(dir, { recursive: true, force: true });
      dirs.delete(dir);
    };
    const failed = new Promise((resolve) => child.once('exit', () => resolve(false)));
    child.once('error', () => {});
    for (const start = performance.now(); performance.now() - start < 10_000;) {
      if (await Promise.race([pong(port), failed])) return { port, url: `redis://127.0.0.1:${port}`, stop };
      if (child.exitCode !== null || child.signalCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    let log = '';
    try {
      log = readFileSync(path.join(dir, 'redis.log'), 'utf8');
    } catch {
      // no log: it never started
    }
    await stop();
    // Another process took the port between the probe and redis' bind: a new one.
    if (attempt < 3 && log.includes('Address already in use')) continue;
    throw new Error(`redis-server did not answer on port ${port}: ${log.trim().split('\n').pop() ?? 'no log'}`);
  }
}
