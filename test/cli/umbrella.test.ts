import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from '@jest/globals';
import * as bullmq from '@procpool/bullmq';
import * as core from '@procpool/core';
import * as futures from '@procpool/futures';
import * as umbrella from 'procpool';
import * as umbrellaBullmq from 'procpool/bullmq';
import * as umbrellaCore from 'procpool/core';
import * as umbrellaFutures from 'procpool/futures';

const run = promisify(execFile);

test("procpool exports every name of core, futures and bullmq, the same objects; futures' wait as futuresWait", () => {
  for (const [name, value] of Object.entries({ ...core, ...bullmq }))
    expect([name, (umbrella as Record<string, unknown>)[name]]).toEqual([name, value]);
  for (const [name, value] of Object.entries(futures)) {
    const exported = name === 'wait' ? 'futuresWait' : name;
    expect([name, (umbrella as Record<string, unknown>)[exported]]).toEqual([name, value]);
  }
  expect(umbrella.wait).toBe(core.wait);
  expect(umbrella.connectionWait).toBe(core.wait);
  expect(umbrella.futuresWait).toBe(futures.wait);
  const known = new Set([
    ...Object.keys(core),
    ...Object.keys(futures),
    ...Object.keys(bullmq),
    'connectionWait',
    'futuresWait',
  ]);
  expect(Object.keys(umbrella).filter((name) => !known.has(name))).toEqual([]);
});

test('procpool/core, procpool/futures and procpool/bullmq are the packages whole', () => {
  expect({ ...umbrellaCore }).toEqual({ ...core });
  expect({ ...umbrellaFutures }).toEqual({ ...futures });
  expect({ ...umbrellaBullmq }).toEqual({ ...bullmq });
});

test('importing procpool does not load bullmq (it costs ~100 ms; loaded when a DistributedPool or worker connects)', async () => {
  // Lists the CommonJS modules of bullmq loaded after importing procpool, then after loading bullmq (the check's own check).
  const script = `
    const { createRequire } = await import('node:module');
    const require = createRequire(import.meta.url);
    const loaded = () => Object.keys(require.cache).filter((file) => file.includes('/node_modules/bullmq/')).length;
    await import('procpool');
    const before = loaded();
    createRequire(require.resolve('@procpool/bullmq/package.json'))('bullmq');
    console.log(JSON.stringify([before, loaded() > 0]));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
  });
  expect(JSON.parse(stdout)).toEqual([0, true]);
});

test('procpool can be required (require(esm), Node 20.19 and later): the same classes as import', async () => {
  const script =
    "const p = require('procpool'); const c = require('@procpool/core');" +
    'console.log(JSON.stringify([p.Pool === c.Pool, typeof p.futuresWait, typeof p.ProcessPoolExecutor]))';
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  const result = run(process.execPath, ['-e', script], { cwd: fileURLToPath(new URL('../..', import.meta.url)) });
  if (major === 20 && minor < 19) {
    await expect(result).rejects.toMatchObject({ stderr: expect.stringContaining('ERR_REQUIRE_ESM') });
  } else {
    expect(JSON.parse((await result).stdout)).toEqual([true, 'function', 'function']);
  }
});
