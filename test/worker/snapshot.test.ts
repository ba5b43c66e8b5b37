// Workers start from procpool's V8 start-up snapshot (packages/core/snapshot-entry.cjs,
// built by build-bundle.mjs) whenever Node is sure to take it, and the usual way otherwise.
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, test } from '@jest/globals';
import { Pool, ThreadPool, setExecutable, taskRef, type PoolOptions, type ThreadPoolOptions } from '@procpool/core';
import { makePool, makeProcess } from '../helpers/pools.js';
import { waitFor } from '../helpers/processes.js';
import { tempDir } from '../helpers/temp.js';

const run = promisify(execFile);
const fixture = (name: string): string => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));
const howStarted = taskRef(fixture('snapshot-tasks.cjs'), 'howStarted');
const BUNDLE = path.dirname(fileURLToPath(import.meta.resolve('@procpool/core')));

interface Started {
  fromSnapshot: boolean;
  oneInstance: boolean;
  execArgv: string[];
  preloaded: boolean;
}
const startedWith = (options: PoolOptions): Promise<Started> =>
  makePool({ processes: 1, snapshot: true, ...options }).apply(howStarted) as Promise<Started>;

describe.each(['fork', 'spawn'] as const)('a worker (%s)', (context) => {
  test('starts from the snapshot, with one instance of procpool, and no trace of it in execArgv', async () => {
    const started = await startedWith({ context });
    expect(started).toMatchObject({ fromSnapshot: true, oneInstance: true });
    expect(started.execArgv.join(' ')).not.toContain('snapshot');
  });

  test('imports an ES module task module, which imports the same procpool', async () => {
    const pool = makePool({ processes: 1, context, snapshot: true });
    await expect(pool.apply(taskRef(fixture('snapshot-tasks.mjs'), 'sameInstance'))).resolves.toEqual({
      fromSnapshot: true,
      oneInstance: true,
    });
  });

  test('runs a ThreadPool of its own', async () => {
    const pool = makePool({ processes: 1, context, snapshot: true });
    await expect(pool.apply(taskRef(fixture('snapshot-tasks.cjs'), 'squareOnAThread'), [7])).resolves.toBe(49);
  });

  test("a child its task forks runs its own script, with the worker's flags and not the snapshot", async () => {
    const pool = makePool({ processes: 1, context, snapshot: true, execArgv: ['--no-warnings'] });
    await expect(
      pool.apply(taskRef(fixture('snapshot-tasks.cjs'), 'forkChild'), [fixture('snapshot-child.cjs')]),
    ).resolves.toEqual({
      ran: 'snapshot-child.cjs',
      argv: ['an-argument'],
      execArgv: [...(context === 'fork' ? process.execArgv : []), '--no-warnings'],
    });
  });
});

test.each([
  [{}, false],
  [{ maxTasksPerChild: 5 }, false],
  [{ maxTasksPerChild: 5, snapshot: true }, true],
  [{ snapshot: true }, true],
] as const)('a pool with %j starts its workers from the snapshot: %s', async (options, fromSnapshot) => {
  await expect(makePool({ processes: 1, ...options }).apply(howStarted)).resolves.toMatchObject({ fromSnapshot });
});

test('a Process with snapshot: true starts from it', async () => {
  const child = makeProcess({
    target: taskRef(fixture('snapshot-tasks.cjs'), 'exitUnlessFromSnapshot'),
    snapshot: true,
  });
  child.start();
  await child.join();
  expect(child.exitCode).toBe(0);
});

test('snapshot is a boolean, and no option of a ThreadPool', () => {
  expect(() => new Pool({ snapshot: 'yes' as unknown as boolean })).toThrow(
    new TypeError('Expected `snapshot` to be a boolean, got `yes` (string)'),
  );
  expect(() => new ThreadPool({ snapshot: true } as ThreadPoolOptions)).toThrow(/`snapshot`.*left out of a ThreadPool/);
});

// Node flags the snapshot is used with (parent/launch/snapshot.ts): each
// starts the worker from it, and does what it does there.
test.each([
  ['--enable-source-maps'],
  ['--no-warnings'],
  ['--no-warnings=DeprecationWarning'],
  ['--trace-warnings'],
  ['--trace-uncaught'],
  ['--pending-deprecation'],
  ['--unhandled-rejections=strict'],
  ['--conditions=procpool-test'],
  ['-C', 'procpool-test'],
  ['--experimental-vm-modules'],
])('with %s the worker starts from the snapshot', async (...execArgv) => {
  await expect(startedWith({ context: 'spawn', execArgv })).resolves.toMatchObject({
    fromSnapshot: true,
    execArgv,
  });
});

test.each([['--require'], ['-r']])('a %s preload runs before a worker that starts from the snapshot', async (flag) => {
  await expect(
    startedWith({ context: 'spawn', execArgv: [flag, fixture('snapshot-preload.cjs')] }),
  ).resolves.toMatchObject({ fromSnapshot: true, preloaded: true });
});

// V8 flags change V8's configuration, which Node checks against the blob's;
// an --import preload would not run from a snapshot.
test.each([
  ['--max-old-space-size=200'],
  ['--expose-gc'],
  ['--stack-size=900'],
  ['--import', fixture('snapshot-preload.cjs')],
])('with %s the worker starts the usual way', async (...execArgv) => {
  const started = await startedWith({ context: 'spawn', execArgv });
  expect(started).toMatchObject({ fromSnapshot: false, execArgv });
  if (execArgv[0] === '--import') expect(started.preloaded).toBe(true);
});

test('NODE_OPTIONS with a V8 flag: the usual way; with a Node flag only: from the snapshot', async () => {
  await expect(
    startedWith({ context: 'spawn', env: { NODE_OPTIONS: '--max-old-space-size=300' } }),
  ).resolves.toMatchObject({ fromSnapshot: false });
  await expect(
    startedWith({ context: 'spawn', env: { NODE_OPTIONS: '--no-warnings  --enable-source-maps ' } }),
  ).resolves.toMatchObject({ fromSnapshot: true });
});

describe('without the snapshot', () => {
  afterEach(() => {
    delete process.env.PROCPOOL_NO_SNAPSHOT;
    setExecutable(process.execPath);
  });

  test('PROCPOOL_NO_SNAPSHOT=1 in the parent: workers start the usual way', async () => {
    process.env.PROCPOOL_NO_SNAPSHOT = '1';
    await expect(startedWith({})).resolves.toMatchObject({ fromSnapshot: false, oneInstance: true });
  });

  test('spawn with another executable (setExecutable): the usual way, since that node did not make the blob', async () => {
    const node = path.join(tempDir(), 'node');
    symlinkSync(process.execPath, node);
    setExecutable(node);
    await expect(startedWith({ context: 'spawn' })).resolves.toMatchObject({ fromSnapshot: false });
  });
});

// A copy of the bundle in a temporary directory, its blob's record saying
// that the bundle it holds is the copy's procpool.cjs, or stays the original's.
function copyOfBundle(recordSays: 'copy' | 'original' | 'nothing'): string {
  const copy = path.join(tempDir(), 'bundle');
  // Without the code caches other tests' workers have written beside the bundle.
  cpSync(BUNDLE, copy, { recursive: true, filter: (file) => !file.endsWith('.cache') });
  const record = path.join(copy, 'bootstrap', 'worker.blob.json');
  if (recordSays === 'nothing') {
    rmSync(record);
    rmSync(path.join(copy, 'bootstrap', 'worker.blob'));
    return copy;
  }
  const info = JSON.parse(readFileSync(record, 'utf8')) as { bundle: { path: string; size: number; mtimeMs: number } };
  const bundle = path.join(copy, 'procpool.cjs');
  const { size, mtimeMs } = statSync(bundle);
  info.bundle = { path: recordSays === 'copy' ? realpathSync(bundle) : info.bundle.path, size, mtimeMs };
  writeFileSync(record, JSON.stringify(info));
  return copy;
}

interface ParentReport {
  first: { fromSnapshot: boolean; pid: number };
  second: { fromSnapshot: boolean; pid: number };
  later?: { fromSnapshot: boolean; pid: number };
}

// Whether a process is making a blob from the bundle in `dir`.
function builders(dir: string): boolean {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .some((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`${dir}/bootstrap/snapshot.cjs`);
      } catch {
        return false; // gone meanwhile
      }
    });
}

async function runParent(bundle: string, wait = false): Promise<{ report: ParentReport; stderr: string }> {
  const { stdout, stderr } = await run(process.execPath, [fixture('snapshot-parent.mjs')], {
    env: { ...process.env, SNAPSHOT_TEST_BUNDLE: bundle, SNAPSHOT_TEST_WAIT: wait ? '1' : '' },
    timeout: 30_000,
  });
  return { report: JSON.parse(stdout) as ParentReport, stderr };
}

test('a copy of the package whose blob says it holds the copy starts its workers from it', async () => {
  const { report } = await runParent(copyOfBundle('copy'));
  expect(report.first.fromSnapshot).toBe(true);
});

test('a package moved elsewhere does not use a blob made for the old place', async () => {
  const { report } = await runParent(copyOfBundle('original'));
  expect(report.first.fromSnapshot).toBe(false);
});

test.each(['original', 'nothing'] as const)(
  'where the record says %s, the first worker start makes a blob in the background for the later ones',
  async (recordSays) => {
    const copy = copyOfBundle(recordSays);
    const { report } = await runParent(copy, true);
    expect(report.first.fromSnapshot).toBe(false);
    expect(report.later?.fromSnapshot).toBe(true);
    // Made under names of its own, renamed into place.
    expect(
      readdirSync(path.join(copy, 'bootstrap'))
        .filter((file) => file.startsWith('worker.blob'))
        .sort(),
    ).toEqual(['worker.blob', 'worker.blob.json']);
  },
);

test('a program killed while its blob is being made leaves no builder and no half-made file', async () => {
  const copy = copyOfBundle('nothing');
  const killed = run(process.execPath, [fixture('snapshot-parent.mjs')], {
    env: { ...process.env, SNAPSHOT_TEST_BUNDLE: copy, SNAPSHOT_TEST_KILL: '1' },
    timeout: 30_000,
  });
  await expect(killed).rejects.toMatchObject({ signal: 'SIGKILL', stdout: '{"builder":true}\n' });
  // The builder dies with it (setpriv's parent-death signal), before it has written anything.
  await waitFor(() => !builders(copy), 'the builder to die with its parent');
  expect(readdirSync(path.join(copy, 'bootstrap')).filter((file) => file.startsWith('worker.blob'))).toEqual([]);
});

test('a blob Node refuses after all (exit code 14): that worker is replaced, and the next ones start without it', async () => {
  const copy = copyOfBundle('copy');
  // Made with a V8 flag the workers do not have: Node checks V8's configuration and refuses it.
  execFileSync(
    process.execPath,
    [
      '--stack-size=900',
      '--snapshot-blob',
      path.join(copy, 'bootstrap', 'worker.blob'),
      '--build-snapshot',
      path.join(copy, 'bootstrap', 'snapshot.cjs'),
    ],
    { stdio: 'pipe' },
  );
  const { report, stderr } = await runParent(copy);
  expect(stderr).toContain('Failed to load the startup snapshot');
  expect(report.first.fromSnapshot).toBe(false);
  expect(report.second).toEqual(report.first);
});

// Without the snapshot a worker compiles procpool.cjs with a V8 code cache
// (packages/core/code-cache-entry.cjs), which the first worker without one writes as it exits.
test('without the snapshot, a worker leaves a code cache as it exits, and the next worker compiles with it', async () => {
  const copy = copyOfBundle('nothing');
  const { stdout } = await run(process.execPath, [fixture('snapshot-parent.mjs')], {
    env: { ...process.env, SNAPSHOT_TEST_BUNDLE: copy, SNAPSHOT_TEST_CACHE: '1' },
    timeout: 30_000,
  });
  // The task is this ES module's export: the worker imports it through the entry's importer.
  expect(JSON.parse(stdout)).toMatchObject({
    first: { fromSnapshot: false, codeCache: false },
    second: { fromSnapshot: false, codeCache: true },
  });
  const caches = readdirSync(path.join(copy, 'bootstrap')).filter((file) => file.includes('.cache'));
  expect(caches).toEqual([expect.stringMatching(/^procpool-v[\d.]+-\d+-\d+-[0-9a-z]+\.cache$/)]);
});
