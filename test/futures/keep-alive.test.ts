import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, test } from '@jest/globals';

const run = promisify(execFile);
const fixture = fileURLToPath(new URL('../../fixtures/futures-keep-alive.mjs', import.meta.url));

describe('keeping Node running', () => {
  test.each(['wait', 'asCompleted', 'result'])('a pending %s keeps Node running until it returns', async (how) => {
    const { stdout } = await run(process.execPath, [fixture, how]);
    expect(JSON.parse(stdout)).toEqual({ how, value: how === 'asCompleted' ? [1] : 1 });
  });

  test.each(['wait', 'asCompleted', 'result'])('a %s that has returned leaves no timer behind', async (how) => {
    // Its timeout is days long: were its timer left running, this test would time out.
    const { stdout } = await run(process.execPath, [fixture, how, 'long']);
    expect(JSON.parse(stdout)).toEqual({ how, value: how === 'asCompleted' ? [1] : 1 });
  });
});
