// Edge cases a review of Process and Connection found: each of these failed once.
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, test } from '@jest/globals';
import { Pipe, Process, ProcessError, wait } from '@procpool/core';
import { keepConn, recvFromKept, sendThenExit, sleepFor } from '../../fixtures/process-edge-targets.mjs';
import { makePool, makeProcess, methods } from '../helpers/pools.js';
import { isAlive, waitFor } from '../helpers/processes.js';
import { signalServer } from '../helpers/signals.js';

const run = promisify(execFile);
const parentFixture = fileURLToPath(new URL('../../fixtures/process-edge-parent.mjs', import.meta.url));

describe.each(methods)('Process edge cases (%s)', (method) => {
  test('a non-daemonic child that outlived a SIGKILLed parent can still write to stderr', async () => {
    const signals = await signalServer();
    const parent = spawn(process.execPath, [parentFixture, signals.path, 'orphan-stderr', method], {
      stdio: 'inherit',
    });
    const { pid } = await signals.next();
    parent.kill('SIGKILL');
    try {
      const outcome = await Promise.race([
        signals.next().then((report) => report.value),
        waitFor(() => !isAlive(pid), `orphan ${pid} to die`, 30_000).then(() => 'died'),
      ]);
      expect(outcome).toBe('survived');
    } finally {
      if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      await waitFor(() => !isAlive(pid), `orphan ${pid} to go`);
    }
  });

  test('await wait([daemonicProcess]) keeps the parent alive until the child exits, as join() does', async () => {
    const { stdout } = await run(process.execPath, [parentFixture, '', 'wait-daemon', method]);
    expect(stdout).toBe('waited 1 0\n');
  });

  test('conn.send() then process.exit() in the target: the message arrives', async () => {
    const [ours, theirs] = Pipe();
    const p = makeProcess({ target: sendThenExit, args: [theirs, 3], context: method });
    p.start();
    theirs.close();
    await p.join();
    expect(p.exitCode).toBe(3);
    await expect(ours.recv()).resolves.toBe('bye');
    ours.close();
  });
});

describe('timeouts past what a timer holds', () => {
  // setTimeout() turns a delay over 2^31-1 ms into 1 ms (TimeoutOverflowWarning).
  test.each([Infinity, 2 ** 31])('join(%p) waits for the exit', async (timeout) => {
    const p = makeProcess({ target: sleepFor, args: [500] });
    p.start();
    await p.join(timeout);
    expect(p.exitCode).toBe(0);
  });

  test.each([Infinity, 2 ** 31])('wait([process], %p) waits for the exit', async (timeout) => {
    const p = makeProcess({ target: sleepFor, args: [500] });
    p.start();
    expect(await wait([p], timeout)).toEqual([p]);
  });
});

describe('odd orders', () => {
  test('wait() on a Process never started rejects (join() does; Python raises), rather than waiting forever', async () => {
    const p = new Process({ target: sleepFor, args: [0] });
    await expect(wait([p], 0)).rejects.toThrow(ProcessError);
    await expect(wait([p.sentinel], 0)).rejects.toThrow(ProcessError);
  });

  test('start() refused for a closed Connection in args leaves the other Connections usable here', async () => {
    const [a, b] = Pipe();
    const [c, d] = Pipe();
    c.close();
    const p = makeProcess({ target: sleepFor, args: [b, c] });
    expect(() => p.start()).toThrow('closed Connection');
    a.send('hello');
    await expect(b.recv()).resolves.toBe('hello');
    for (const conn of [a, b, d]) conn.close();
  });

  test("a Pool's replacement worker never gets again what its predecessor was given", async () => {
    const [a, b] = Pipe();
    a.send('first');
    await b.poll(null); // b has read it: it travels with initargs, to the first worker only
    const pool = makePool({ processes: 1, initializer: keepConn, initargs: [b], maxTasksPerChild: 1 });
    const first: unknown = await pool.apply(recvFromKept);
    a.send('second'); // read from the socket by the replacement
    const second: unknown = await pool.apply(recvFromKept);
    expect([first, second]).toEqual(['first', 'second']);
    a.close();
    b.close();
  });
});
