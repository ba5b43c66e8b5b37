import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, test } from '@jest/globals';
import { EOFError, Manager, ProcessError, SyncManager, type AutoProxy } from '@procpool/core';
import {
  Counter,
  dictSnapshot,
  getFromQueue,
  ignoreArg,
  passThrough,
  roundTrip,
} from '../../fixtures/manager-tasks.mjs';
import { makePool, makeProcess } from '../helpers/pools.js';
import { descendants, isAlive, waitFor } from '../helpers/processes.js';
import { signalServer } from '../helpers/signals.js';
import { tempDir } from '../helpers/temp.js';

// Python's _TestManagerRestart and refcount tests: objects live while a
// proxy to them does; a dead server fails every call, never hangs.

const run = promisify(execFile);
const parentFixture = fileURLToPath(new URL('../../fixtures/manager-parent.mjs', import.meta.url));
const fixture = new URL('../../fixtures/manager-tasks.mjs', import.meta.url).href;

// A SyncManager that can say its server's pid.
class PidManager extends SyncManager {}
PidManager.register('Counter', `${fixture}#Counter`);

async function serverPid(manager: PidManager): Promise<number> {
  const counter = (await manager.create('Counter')) as AutoProxy<Counter>;
  const pid = await counter.pid();
  counter[Symbol.dispose]();
  return pid;
}

describe('refcounts', () => {
  test('objectCount() goes up per object and down as each proxy is released', async () => {
    await using manager = await Manager();
    expect(await manager.objectCount()).toBe(0);
    const d = await manager.dict();
    const list = await manager.list();
    const lock = await manager.Lock();
    expect(await manager.objectCount()).toBe(3);
    list[Symbol.dispose]();
    expect(await manager.objectCount()).toBe(2);
    list[Symbol.dispose](); // twice is once
    expect(await manager.objectCount()).toBe(2);
    await expect(list.length()).rejects.toThrow(/This ListProxy handle has been released/);
    // A proxy read back from another object holds it too.
    await d.set('lock', lock);
    const again = (await d.get('lock')) as typeof lock;
    lock[Symbol.dispose]();
    expect(await manager.objectCount()).toBe(2);
    expect(await again.acquire()).toBe(true);
    await again.release();
    again[Symbol.dispose]();
    // The dict still stores a handle to the lock: it lives until the dict forgets it.
    expect(await manager.objectCount()).toBe(2);
    await d.delete('lock');
    expect(await manager.objectCount()).toBe(1);
    d[Symbol.dispose]();
    expect(await manager.objectCount()).toBe(0);
  });

  test('a container frees the proxies it stored when it forgets them or is freed itself', async () => {
    await using manager = await Manager();
    const d = await manager.dict<string, unknown>();
    const list = await manager.list<unknown>();
    const ns = await manager.Namespace();
    const stored = async (): Promise<void> => {
      const q = await manager.Queue();
      const lock = await manager.Lock();
      const event = await manager.Event();
      await d.set('q', q);
      await list.append({ deep: [lock] });
      await ns.set('event', event);
      for (const handle of [q, lock, event]) handle[Symbol.dispose]();
    };
    await stored();
    expect(await manager.objectCount()).toBe(6);
    await d.set('q', 'overwritten');
    expect(await manager.objectCount()).toBe(5);
    await list.set(0, 'replaced');
    expect(await manager.objectCount()).toBe(4);
    await ns.delete('event');
    expect(await manager.objectCount()).toBe(3);
    await stored();
    expect(await manager.objectCount()).toBe(6);
    await d.clear();
    expect(await manager.objectCount()).toBe(5);
    await list.remove('replaced');
    expect(await list.length()).toBe(1);
    expect(await manager.objectCount()).toBe(5);
    // Freeing the containers frees what they held.
    for (const container of [d, list, ns]) container[Symbol.dispose]();
    expect(await manager.objectCount()).toBe(0);
  });

  test('a proxy sent to a worker and back: freed once every copy is released and the worker is gone', async () => {
    await using manager = await Manager();
    const pool = makePool(1);
    const d = await manager.dict({ a: 1 });
    expect(await pool.apply(dictSnapshot, [d])).toEqual([['a', 1]]);
    const [back] = (await pool.apply(roundTrip, [d])) as [typeof d];
    await back.set('b', 2);
    d[Symbol.dispose]();
    expect(await back.get('a')).toBe(1);
    back[Symbol.dispose]();
    // The worker's own handles go when the worker does.
    pool.close();
    await pool.join();
    expect(await manager.objectCount()).toBe(0);
  });

  test('a proxy passed to a Process that exits without calling it is freed all the same', async () => {
    await using manager = await Manager();
    const list = await manager.list<number>();
    const child = makeProcess({ target: passThrough, args: [list] });
    child.start();
    await child.join();
    expect(child.exitCode).toBe(0);
    expect(await list.length()).toBe(0);
    list[Symbol.dispose]();
    expect(await manager.objectCount()).toBe(0);
  });

  // The worker's 'hold' waits behind its new connection's handshake: a worker that never
  // calls the proxy must still send it before it exits, or the dict is never freed.
  test('a proxy a pool task never calls is freed once released here and the worker is gone', async () => {
    await using manager = await Manager();
    const pool = makePool(1);
    const d = await manager.dict();
    expect(await pool.apply(ignoreArg, [d])).toBe('object');
    d[Symbol.dispose]();
    pool.close();
    await pool.join();
    expect(await manager.objectCount()).toBe(0);
  });

  test('a proxy nobody holds is freed once garbage-collected (a parent run with --expose-gc)', async () => {
    const { stdout } = await run(process.execPath, ['--expose-gc', parentFixture, 'gc']);
    // A dict and a queue made in a scope that ended, and a list still held.
    expect(JSON.parse(stdout)).toEqual({ before: 3, after: 1, kept: 1 });
  });
});

describe('a server that dies', () => {
  test('SIGKILL mid-call: pending get()/acquire() here and in a worker reject with EOFError; later calls too; shutdown() does not hang', async () => {
    const manager = new PidManager();
    await manager.start();
    try {
      const pid = await serverPid(manager);
      const queue = await manager.Queue<number>();
      const lock = await manager.Lock();
      const d = await manager.dict();
      await lock.acquire();
      const pendingGet = queue.get();
      const pendingAcquire = lock.acquire();
      // Both reject at once: handled from now on, checked below.
      void Promise.allSettled([pendingGet, pendingAcquire]);
      const signals = await signalServer();
      const pool = makePool(1);
      const inWorker = pool.apply(getFromQueue, [queue, signals.path]);
      void Promise.allSettled([inWorker]);
      await signals.next();
      await queue.qsize(); // our get() is pending in the server too

      process.kill(pid, 'SIGKILL');
      for (const pending of [pendingGet, pendingAcquire]) {
        await expect(pending).rejects.toThrow(EOFError);
        await expect(pending).rejects.toThrow(ProcessError);
      }
      await expect(pendingGet).rejects.toThrow(
        /The process that holds this shared object \(the manager at .+\) is gone/,
      );
      await expect(inWorker).rejects.toThrow(EOFError);
      await expect(inWorker).rejects.toThrow(
        /The process that holds this shared object \(PidManager-\d+ \(pid \d+\)\) is gone/,
      );
      await expect(queue.put(1)).rejects.toThrow(ProcessError);
      await expect(d.get('a')).rejects.toThrow(ProcessError);
      await expect(manager.objectCount()).rejects.toThrow(ProcessError);
      await expect(manager.dict()).rejects.toThrow(ProcessError);
      await manager.shutdown();
      await expect(lock.release()).rejects.toThrow(ProcessError);
      await expect(manager.list()).rejects.toThrow(/this one is shutdown/);
    } finally {
      await manager.shutdown();
    }
  });

  test('shutdown() with calls pending: they reject and nothing hangs; the server process exits', async () => {
    const manager = new PidManager();
    await manager.start();
    const pid = await serverPid(manager);
    const queue = await manager.Queue<number>();
    const event = await manager.Event();
    const pending = Promise.allSettled([queue.get(), event.wait()]);
    await queue.qsize();
    await manager.shutdown();
    for (const call of await pending) {
      expect(call.status).toBe('rejected');
      expect((call as PromiseRejectedResult).reason).toBeInstanceOf(ProcessError);
    }
    await expect(event.set()).rejects.toThrow(ProcessError);
    expect(isAlive(pid)).toBe(false);
  });

  test('no orphan: the server process dies with a parent that was SIGKILLed', async () => {
    // The parent and its server both die by SIGKILL, so neither removes its private directories: they go in one the test removes.
    const parent = spawn(process.execPath, [parentFixture, 'orphan'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, TMPDIR: tempDir() },
    });
    try {
      const [line] = (await once(parent.stdout, 'data')) as [Buffer];
      const { parent: parentPid } = JSON.parse(line.toString()) as { parent: number };
      expect(parentPid).toBe(parent.pid);
      const servers = descendants(parentPid).map((p) => p.pid);
      expect(servers.length).toBeGreaterThan(0);
      parent.kill('SIGKILL');
      await once(parent, 'exit');
      await waitFor(() => servers.every((pid) => !isAlive(pid)), 'the manager server to die with its parent');
    } finally {
      if (parent.exitCode === null && parent.signalCode === null) parent.kill('SIGKILL');
    }
  });
});
