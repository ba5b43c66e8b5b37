// The distributed demo in one command, from the repository root once the packages
// are built (npm run demo or npm test does it): node examples/distributed/demo.mjs
// On this one machine it starts what would run on several: a throwaway
// redis-server, two `procpool worker` processes and the client (client.mjs).
// Then it stops all it started, also after an error or a Ctrl-C.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedis } from './redis.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const procpool = ['packages/procpool/dist/cli/main.js', 'worker'];
const started = new Set(); // every child process, for the exit handler
let redis;
let redisDir; // known before redis is up, so that a Ctrl-C then removes it too
const workers = [];

const alive = (child) => child.exitCode === null && child.signalCode === null;

// Whatever happened, nothing this demo started outlives it.
process.on('exit', () => {
  for (const child of started) if (alive(child)) child.kill('SIGKILL');
  if (redisDir !== undefined) rmSync(redisDir, { recursive: true, force: true });
});

// scripts/ensure-redis.sh prints redis-server's path, installs it when root, or says what to do.
function findRedis() {
  try {
    return execFileSync('bash', [path.join(root, 'scripts/ensure-redis.sh')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
  } catch {
    console.error('demo: no redis-server, see above');
    process.exit(1);
  }
}

// Resolves once the worker says it is connected and waiting for jobs.
function startWorker(url) {
  const args = [...procpool, '--redis', url, '--queue', 'demo', '-j', '1'];
  // detached: a Ctrl-C in the terminal reaches the demo, which stops the workers itself.
  const child = spawn(process.execPath, args, { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  started.add(child);
  workers.push(child);
  child.output = '';
  return new Promise((resolve, reject) => {
    const onData = (data) => {
      child.output += data;
      if (READY.test(child.output)) resolve(child);
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`a worker exited (${code ?? signal}):\n${child.output}`)));
    // It gives up on Redis after 10 s itself; this is for a worker that never says it is ready.
    setTimeout(() => reject(new Error(`a worker did not say it was ready in 30 s:\n${child.output}`)), 30_000).unref();
  });
}
// What procpool worker says on stderr once connected: `procpool worker HOST:PID: queue demo on redis://…`.
const READY = /^procpool worker \S+: queue demo on /m;

async function stopWorker(child) {
  if (alive(child)) {
    child.kill('SIGTERM'); // a graceful stop: it finishes its running jobs
    await once(child, 'exit');
  }
  return child.exitCode ?? child.signalCode;
}

let stopping;
// Stops the workers first (they finish what they run), then Redis, says so and exits; once.
function finish(exitCode) {
  stopping ??= (async () => {
    const codes = await Promise.all(workers.map(stopWorker));
    await redis?.stop();
    console.log(`\nstopped: the workers (SIGTERM, exit ${codes.join(' and ')}), then redis-server; temp dir removed`);
    process.exit(exitCode);
  })();
  return stopping;
}

// A second Ctrl-C does not wait: the exit handler kills what is left.
let interrupted = false;
process.on('SIGINT', () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  console.log('\ninterrupted: stopping the workers and redis-server');
  void finish(130);
});

try {
  redis = await startRedis(findRedis(), (child, dir) => {
    started.add(child);
    redisDir = dir;
  });
  console.log(`redis-server at ${redis.url}: a throwaway one, no persistence, in ${redis.dir}`);
  await Promise.all([startWorker(redis.url), startWorker(redis.url)]);
  const pids = workers.map((worker) => worker.pid).join(' and ');
  console.log(`2 workers, pids ${pids}: procpool worker --redis ${redis.url} --queue demo -j 1\n`);
  const client = spawn(process.execPath, [fileURLToPath(new URL('client.mjs', import.meta.url)), redis.url], {
    stdio: 'inherit',
  });
  started.add(client);
  const [code, signal] = await once(client, 'exit');
  if (code !== 0) throw new Error(`the client failed (${code ?? signal})`);
  await finish(0);
} catch (error) {
  if (!interrupted) {
    console.error(`demo: ${error.message}`);
    for (const worker of workers) if (worker.output) console.error(`worker ${worker.pid} said:\n${worker.output}`);
    await finish(1);
  }
}
