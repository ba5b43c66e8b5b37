// @procpool/core as users get it: packed, then installed by npm into a project
// of its own, where npm (not the workspace) picks the TypeScript version.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from '@jest/globals';
import { tempDir } from '../helpers/temp.js';

const run = promisify(execFile);
const core = fileURLToPath(new URL('../../packages/core/', import.meta.url));
const fixture = (name: string): string => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));
const peerRange = (
  JSON.parse(readFileSync(path.join(core, 'package.json'), 'utf8')) as {
    peerDependencies: { typescript: string };
  }
).peerDependencies.typescript;

async function npm(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  try {
    return (await run('npm', args, { cwd, env, timeout: 150_000, maxBuffer: 16 * 1024 * 1024 })).stdout;
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(
      `npm ${args[0]} failed; this test needs the npm registry (or the packages in npm's cache):\n${stderr ?? ''}`,
      { cause: error },
    );
  }
}

// What fixtures/ts-task-in-pool.mjs prints, run from `cwd` over the installed package,
// with spawn workers or threads.
async function runInPool(
  script: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
  start: 'spawn' | 'thread',
): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, [script, start], { cwd, env, timeout: 60_000 });
  return JSON.parse(stdout) as Record<string, unknown>;
}

test('from a packed tarball installed by npm: .ts task modules run in spawn workers and threads, and an unusable TypeScript is named', async () => {
  const dir = tempDir();
  const tmp = path.join(dir, 'tmp'); // npm's and ts-node's temporary files, removed with the rest
  mkdirSync(tmp);
  // Not the variables of an `npm run` around the suite (its project, its command).
  const env = Object.fromEntries(
    Object.entries({ ...process.env, TMPDIR: tmp }).filter(
      ([name]) => !/^npm_(?!config_)/.test(name) && name !== 'npm_config_local_prefix' && name !== 'npm_config_call',
    ),
  );
  const packed = JSON.parse(await npm(['pack', '--json', '--pack-destination', dir], core, env)) as [
    { filename: string },
  ];
  const project = path.join(realpathSync(dir), 'project');
  mkdirSync(project);
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ private: true, type: 'module' }));
  // One install: the tarball (npm picks TypeScript for the peer ranges), and
  // TypeScript 7 under another name for the second case.
  const tarball = path.join(dir, packed[0].filename);
  await npm(
    ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, 'typescript-7@npm:typescript@7'],
    project,
    env,
  );
  for (const name of ['ts-task-in-pool.mjs', 'ts-tasks.ts', 'cts-tasks.cts']) {
    copyFileSync(fixture(name), path.join(project, name));
  }
  const script = path.join(project, 'ts-task-in-pool.mjs');

  const installed = (
    JSON.parse(readFileSync(path.join(project, 'node_modules/typescript/package.json'), 'utf8')) as { version: string }
  ).version;
  expect({ peerRange, major: Number(installed.split('.')[0]) }).toEqual({ peerRange: '>=5 <7', major: 6 });
  for (const start of ['spawn', 'thread'] as const) {
    await expect(runInPool(script, project, env, start)).resolves.toEqual({ norm: 5, topLevelRuns: 1, twice: 42 });
  }

  // A project whose own TypeScript is 7 (as --legacy-peer-deps or pnpm leave
  // it): ts-node takes the `typescript` of the worker's cwd first.
  const sevenProject = path.join(project, 'seven');
  mkdirSync(path.join(sevenProject, 'node_modules'), { recursive: true });
  symlinkSync(path.join(project, 'node_modules/typescript-7'), path.join(sevenProject, 'node_modules/typescript'));
  const seven = (
    JSON.parse(readFileSync(path.join(project, 'node_modules/typescript-7/package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
  const message =
    "TypeError: Cannot load TypeScript task modules: ts-node needs TypeScript's JavaScript API, which " +
    `TypeScript ${seven} (${path.join(project, 'node_modules/typescript-7/lib/version.cjs')}) does not have. ` +
    `Install a version in ${peerRange} (npm install --save-dev typescript@6)`;
  for (const start of ['spawn', 'thread'] as const) {
    const results = await runInPool(script, sevenProject, env, start);
    // Both module systems: the ES module fails in Node's hooks thread, the CommonJS one in the worker itself.
    expect(results).toEqual({
      norm: expect.stringContaining(message),
      topLevelRuns: expect.stringContaining(message),
      twice: expect.stringContaining(message),
    });
  }
}, 180_000);
