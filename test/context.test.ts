import { describe, expect, test } from '@jest/globals';
import {
  BrokenPoolError,
  Pool,
  ProcessError,
  getAllStartMethods,
  getContext,
  getStartMethod,
  setExecutable,
  setStartMethod,
} from '@procpool/core';
import * as tasks from '../fixtures/tasks.mjs';
import { makePool, track } from './helpers/pools.js';
import { captureStderr } from './helpers/stderr.js';

interface WhoAmI {
  current: { name: string; pid: number; daemon: boolean };
  parent: { name: string; pid: number } | null;
  execArgv: string[];
  ipc: string;
}

describe('start methods', () => {
  test('getAllStartMethods lists fork first (the default)', () => {
    expect(getAllStartMethods()).toEqual(['fork', 'spawn']);
  });

  test('getStartMethod / setStartMethod follow Python: set once, force to change', () => {
    setStartMethod(null, { force: true });
    expect(getStartMethod(true)).toBeNull();
    expect(getStartMethod()).toBe('fork'); // asking fixes the default
    expect(() => setStartMethod('spawn')).toThrow(
      "The start method is already set to 'fork'; pass { force: true } to change it",
    );
    expect(() => setStartMethod('spawn')).toThrow(ProcessError);
    setStartMethod('spawn', { force: true });
    expect(getStartMethod()).toBe('spawn');
    expect(() => setStartMethod('thread' as never, { force: true })).toThrow(
      "Expected the start method to be one of 'fork', 'spawn', got `thread`",
    );
    setStartMethod(null, { force: true });
  });

  test('getContext binds Pool to a start method', async () => {
    const spawnContext = getContext('spawn');
    expect(spawnContext.startMethod).toBe('spawn');
    expect(getContext('spawn')).toBe(spawnContext);
    const pool = track(new spawnContext.Pool(1));
    expect(pool).toBeInstanceOf(Pool);
    const who = (await pool.apply(tasks.whoAmI)) as WhoAmI;
    expect(who.ipc).toBe('undefined');
    expect(() => getContext('nope' as never)).toThrow(TypeError);
    expect(() => getContext('nope' as never)).toThrow(
      "Expected the start method to be one of 'fork', 'spawn', got `nope`",
    );
  });

  test('fork: the parent execArgv is passed on, plus options.execArgv; the Node IPC channel is open', async () => {
    const pool = makePool({ processes: 1, context: 'fork', execArgv: ['--max-old-space-size=123'] });
    const who = (await pool.apply(tasks.whoAmI)) as WhoAmI;
    expect(who.execArgv).toEqual([...process.execArgv, '--max-old-space-size=123']);
    expect(who.ipc).toBe('function');
  });

  test('spawn: only options.execArgv; no IPC channel', async () => {
    const pool = makePool({ processes: 1, context: 'spawn', execArgv: ['--max-old-space-size=99'] });
    const who = (await pool.apply(tasks.whoAmI)) as WhoAmI;
    expect(who.execArgv).toEqual(['--max-old-space-size=99']);
    expect(who.ipc).toBe('undefined');
  });

  test('env and cwd reach the worker', async () => {
    const pool = makePool({ processes: 1, env: { PROCPOOL_PROBE: 'yes', HOME: undefined }, cwd: '/tmp' });
    const env = await pool.apply(`${new URL('../fixtures/env.mjs', import.meta.url).href}#probe`);
    expect(env).toEqual({ probe: 'yes', home: null, cwd: '/tmp' });
  });

  test('setExecutable: spawn starts that interpreter; a missing one breaks the pool with the reason', async () => {
    // setpriv, when it starts the workers, says on stderr that it could not run the executable.
    captureStderr();
    try {
      setExecutable('/nonexistent/node');
      const pool = makePool({ processes: 1, context: 'spawn' });
      const error = (await pool.apply(tasks.square, [1]).catch((e: unknown) => e)) as BrokenPoolError;
      expect(error).toBeInstanceOf(BrokenPoolError);
      expect(error.message).toMatch(/Workers die while starting|Could not start/);
      expect(error.message).toContain('/nonexistent/node');
      // fork ignores it: it is always a copy of this process.
      const forked = makePool({ processes: 1, context: 'fork' });
      await expect(forked.apply(tasks.square, [3])).resolves.toBe(9);
    } finally {
      setExecutable(process.execPath);
    }
    expect(() => setExecutable('')).toThrow('Expected `path` to be the path of a node executable');
  });
});
