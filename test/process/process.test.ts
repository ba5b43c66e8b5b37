import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, test } from '@jest/globals';
import { activeChildren, currentProcess, getContext, Process, ProcessError, setExecutable, wait } from '@procpool/core';
import {
  describeSelf,
  exitWith,
  leaveHandlesOpen,
  reportAndSleep,
  startChild,
} from '../../fixtures/process-targets.mjs';
import { makeProcess, methods } from '../helpers/pools.js';
import { isAlive, waitFor } from '../helpers/processes.js';
import { signalServer } from '../helpers/signals.js';

const run = promisify(execFile);
const parentFixture = fileURLToPath(new URL('../../fixtures/process-parent.mjs', import.meta.url));

interface Failure {
  pid: number;
  exitCode: number;
  error: { class: string; message: string; stack: string; pid?: number } | null;
}

interface SelfReport {
  name: string;
  daemon: boolean;
  authkey: string;
  parent: { name: string; pid: number; alive: boolean };
  extra: unknown;
}

describe.each(methods)('Process (%s)', (method) => {
  const { Process: ContextProcess } = getContext(method);

  test('start() sets the pid; the child runs the target with its args; join() resolves at exit with code 0', async () => {
    const signals = await signalServer();
    const p = new ContextProcess({ target: describeSelf, args: [signals.path, { n: new Map([[1, 2]]) }] });
    expect(p.pid).toBeUndefined();
    expect(p.exitCode).toBeNull();
    expect(p.isAlive()).toBe(false);
    p.start();
    expect(typeof p.pid).toBe('number');
    expect(p.ident).toBe(p.pid);
    expect(p.isAlive()).toBe(true);
    expect(activeChildren()).toContainEqual({ name: p.name, pid: p.pid, daemon: false });
    const report = await signals.next();
    expect(report.pid).toBe(p.pid);
    const self = report.value as SelfReport;
    expect(self).toEqual({
      name: p.name,
      daemon: false,
      authkey: currentProcess().authkey.toString('hex'),
      parent: { name: 'MainProcess', pid: process.pid, alive: true },
      extra: { n: expect.any(Object) as unknown },
    });
    await p.join();
    expect(p.exitCode).toBe(0);
    expect(p.signal).toBeNull();
    expect(p.error).toBeUndefined();
    expect(p.isAlive()).toBe(false);
    expect(activeChildren().map((child) => child.pid)).not.toContain(p.pid);
  });

  test('process.exit(n) in the target gives exit code n, and no `error`', async () => {
    const p = makeProcess({ target: exitWith, args: [7], context: method });
    p.start();
    await p.join();
    expect([p.exitCode, p.signal, p.error]).toEqual([7, null, undefined]);
  });

  test('the child exits when its target settles, even with timers and handles left open', async () => {
    const p = makeProcess({ target: leaveHandlesOpen, context: method });
    p.start();
    await p.join();
    expect(p.exitCode).toBe(0);
  });

  test("kill() and terminate(): exitCode is -N for signal N, as Python's", async () => {
    const signals = await signalServer();
    const killed = makeProcess({ target: reportAndSleep, args: [signals.path], context: method });
    const terminated = makeProcess({ target: reportAndSleep, args: [signals.path], context: method });
    killed.start();
    terminated.start();
    await Promise.all([signals.next(), signals.next()]);
    killed.kill();
    terminated.terminate();
    await Promise.all([killed.join(), terminated.join()]);
    expect([killed.exitCode, killed.signal]).toEqual([-9, 'SIGKILL']);
    expect([terminated.exitCode, terminated.signal]).toEqual([-15, 'SIGTERM']);
    killed.kill(); // after the exit: nothing to do
  });
});

describe('Process lifecycle', () => {
  test('join(timeout) resolves after the timeout while the child runs; join() before start() rejects', async () => {
    const signals = await signalServer();
    const p = makeProcess({ target: reportAndSleep, args: [signals.path] });
    await expect(p.join()).rejects.toThrow(/never started/);
    p.start();
    await signals.next();
    await p.join(1);
    expect(p.isAlive()).toBe(true);
    expect(p.exitCode).toBeNull();
    expect(() => p.close()).toThrow(/while it is running/);
    expect(() => p.start()).toThrow(ProcessError);
    expect(() => {
      p.daemon = true;
    }).toThrow(/has been started/);
    await expect(p.join(-1)).rejects.toThrow(RangeError);
  });

  test('wait() takes Processes and sentinels: ready once the child has exited', async () => {
    const signals = await signalServer();
    const sleeper = makeProcess({ target: reportAndSleep, args: [signals.path] });
    const quick = makeProcess({ target: exitWith, args: [3] });
    sleeper.start();
    await signals.next();
    expect(await wait([sleeper, sleeper.sentinel], 10)).toEqual([]);
    quick.start();
    expect(await wait([sleeper.sentinel, quick.sentinel, sleeper])).toEqual([quick.sentinel]);
    expect(await wait([quick, sleeper], 0)).toEqual([quick]);
    sleeper.kill();
    expect(await wait([sleeper])).toEqual([sleeper]);
    expect(sleeper.exitCode).toBe(-9);
  });

  test('a node executable that cannot run: start() throws, naming it and why, for daemons too', () => {
    setExecutable('/nonexistent/procpool-node');
    try {
      for (const daemon of [false, true]) {
        const p = makeProcess({ context: 'spawn', daemon });
        expect(() => p.start()).toThrow(
          /^Could not start Process-\d+: cannot run \/nonexistent\/procpool-node: ENOENT$/,
        );
        expect(p.pid).toBeUndefined();
      }
    } finally {
      setExecutable(process.execPath);
    }
  });

  test('close() after the exit; then the Process refuses to be used', async () => {
    const p = makeProcess({ target: exitWith, args: [0] });
    p.start();
    await p.join();
    p.close();
    expect(p.exitCode).toBe(0);
    expect(() => p.isAlive()).toThrow(/is closed/);
    expect(() => p.start()).toThrow(/is closed/);
    await expect(p.join()).rejects.toThrow(/is closed/);
  });

  test('names count constructions: Process-N, then Process-N+1; a name can be given', () => {
    const a = new Process();
    const b = new Process();
    const [n, m] = [a.name, b.name].map((name) => Number(/^Process-(\d+)$/.exec(name)?.[1]));
    expect(m).toBe((n ?? 0) + 1);
    expect(new Process({ name: 'mine' }).name).toBe('mine');
    a.name = 'renamed';
    expect(a.name).toBe('renamed');
  });

  test('a Process without a target exits 0 at once', async () => {
    const p = makeProcess();
    p.start();
    await p.join();
    expect(p.exitCode).toBe(0);
  });

  test('authkey: inherited from this process, and the child gets the one set before start()', async () => {
    const signals = await signalServer();
    const p = makeProcess({ target: describeSelf, args: [signals.path] });
    expect(p.authkey.equals(currentProcess().authkey)).toBe(true);
    p.authkey = Buffer.alloc(32, 7);
    p.start();
    expect(((await signals.next()).value as SelfReport).authkey).toBe(Buffer.alloc(32, 7).toString('hex'));
    await p.join();
  });

  test("a child's child is named Process-N:1", async () => {
    const signals = await signalServer();
    const parent = makeProcess({ target: startChild, args: [signals.path] });
    parent.start();
    const grandchild = (await signals.next()).value as SelfReport;
    expect(grandchild.name).toBe(`${parent.name}:1`);
    expect(grandchild.parent.name).toBe(parent.name);
    expect(grandchild.parent.pid).toBe(parent.pid);
    expect((await signals.next()).value).toEqual({ children: 0, exitCode: 0 });
    await parent.join();
    expect(parent.exitCode).toBe(0);
  });

  test('an argument that cannot be sent: TypeError naming its path, thrown by start(), nothing started', () => {
    const before = activeChildren().length;
    const p = makeProcess({ target: exitWith, args: [{ onDone: () => {} }] });
    expect(() => p.start()).toThrow(/^Cannot send args\[0\]\.onDone to Process-\d+: functions cannot be sent/);
    expect(p.pid).toBeUndefined();
    expect(activeChildren().length).toBe(before);
  });

  test.each([
    [{ nope: 1 }, 'Unknown Process option `nope`'],
    [{ args: 'x' }, 'Expected `args` to be an array, got `x` (string)'],
    [{ name: '' }, 'Expected `name` to be a non-empty string, got `` (string)'],
    [{ daemon: 'yes' }, 'Expected `daemon` to be a boolean, got `yes` (string)'],
    [{ target: 42 }, "Expected a task function, a taskRef or a 'module#export' string, got `42`"],
    [{ target: () => 1 }, 'Cannot send function `target` to a worker: register it with defineTasks'],
    [{ context: 'forkserver' }, "Expected `context` to be 'fork', 'spawn' or a Context, got `forkserver` (string)"],
    [{ execArgv: [1] }, 'Expected `execArgv` to be an array of strings'],
    [{ env: 5 }, 'Expected `env` to be an object, got `5` (number)'],
    [{ cwd: '' }, 'Expected `cwd` to be a directory path'],
  ])('new Process(%p) throws: %s', (options, message) => {
    expect(() => new Process(options as never)).toThrow(message);
  });
});

describe.each(methods)('Process and its parent (%s)', (method) => {
  test.each([
    ['the kernel (setpriv --pdeathsig)', {}],
    ['the watchdog thread (no setpriv)', { PROCPOOL_NO_SETPRIV: '1' }],
  ])(
    'SIGKILL the parent: its daemonic child dies with it (%s), the other lives on, as in Python',
    async (_how, env) => {
      const signals = await signalServer();
      const parent = spawn(process.execPath, [parentFixture, signals.path, 'orphans', method], {
        stdio: 'inherit',
        env: { ...process.env, ...env },
      });
      const reports = [await signals.next(), await signals.next()];
      const pidOf = (value: string): number => reports.find((report) => report.value === value)?.pid ?? -1;
      const [daemon, other] = [pidOf('daemon'), pidOf('other')];
      parent.kill('SIGKILL');
      try {
        await waitFor(() => !isAlive(daemon), `daemonic child ${daemon} to die with its parent`);
        expect(isAlive(other)).toBe(true);
      } finally {
        process.kill(other, 'SIGKILL');
      }
      await waitFor(() => !isAlive(other), `child ${other} to go`);
    },
  );

  test('a non-daemonic child keeps its parent alive until it exits, every line it wrote delivered', async () => {
    const { stdout, stderr } = await run(process.execPath, [parentFixture, '', 'exit', method]);
    const lines = (text: string, kind: string): number =>
      text.split('\n').filter((line) => line.startsWith(kind)).length;
    expect([lines(stdout, 'out '), lines(stderr, 'err ')]).toEqual([500, 500]);
    // The daemonic child died with its parent's exit (the kernel, or its control pipe closing).
    const daemon = Number(/^daemon (\d+)$/m.exec(stdout)?.[1]);
    await waitFor(() => !isAlive(daemon), `daemonic child ${daemon} to die at its parent's exit`);
  });

  test('failing targets: exit code 1, `Process <name>:` and the stack on their stderr, `error` rebuilt here', async () => {
    const { stdout, stderr } = await run(process.execPath, [parentFixture, '', 'failures', method]);
    const [thrower, nullThrower, unimportable, daemon] = stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Failure);
    // An Error: its class and message, the child's frames, a line naming it, then the frames of start().
    expect(thrower).toMatchObject({ exitCode: 1, error: { class: 'TypeError', message: 'the target failed' } });
    expect(thrower?.error?.pid).toBe(thrower?.pid);
    expect(thrower?.error?.stack).toMatch(
      /process-targets\.mjs[\s\S]*--- above: Process-1 \(pid \d+\); below: the call that started it ---[\s\S]*process-parent\.mjs/,
    );
    expect(stderr).toContain('Process Process-1:\nTypeError: the target failed\n    at ');
    // A thrown non-Error is `error` itself.
    expect(nullThrower).toMatchObject({ exitCode: 1, error: null });
    expect(stderr).toContain('Process Process-2:\nnull\n');
    // A module that cannot be imported is a thrown error too.
    expect(unimportable).toMatchObject({
      exitCode: 1,
      error: { message: expect.stringContaining('procpool-missing.mjs') },
    });
    expect(stderr).toMatch(
      /Process Process-3:\nError \[ERR_MODULE_NOT_FOUND\]: Cannot find module '\/nonexistent\/procpool-missing\.mjs'/,
    );
    // A daemonic child may not start children, as in Python.
    expect(daemon).toMatchObject({
      exitCode: 1,
      error: { class: 'ProcessError', message: expect.stringContaining('A daemonic process may not start children') },
    });
    expect(stderr).toContain('Process Process-4:\nProcessError: A daemonic process may not start children');
  });

  test('await join() of a daemonic child keeps the parent alive until the child has exited', async () => {
    const { stdout } = await run(process.execPath, [parentFixture, '', 'join', method]);
    expect(stdout).toBe('joined 0\n');
  });

  test("logToStderr() in the parent: lifecycle lines there, and the child logs at the parent's level", async () => {
    const { stderr } = await run(process.execPath, [parentFixture, '', 'log', method]);
    expect(stderr).toMatch(/^\[DEBUG\/MainProcess\] Logger \(pid \d+\) started$/m);
    expect(stderr).toContain('[INFO/Logger] from the child\n');
    expect(stderr).toMatch(/^\[DEBUG\/MainProcess\] Logger \(pid \d+\) exited with code 0$/m);
  });
});
