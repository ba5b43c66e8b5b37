// Handles in odd places (a second reader's findings, issue 15): what a
// failed encode, an item never got, a constructor that throws leave behind.
import { describe, expect, test } from '@jest/globals';
import { JoinableQueue, Manager, ProcessError, Queue, type SyncManager } from '@procpool/core';

// A manager for one test, shut down however the test ends.
async function withManager(run: (m: SyncManager) => Promise<void>): Promise<void> {
  const m = await Manager();
  try {
    await run(m);
  } finally {
    await m.shutdown();
  }
}

describe('handles in odd places', () => {
  test('a JoinableQueue constructor that throws leaves the next Queue a plain Queue', async () => {
    expect(() => new JoinableQueue('x' as unknown as number)).toThrow(TypeError);
    const q = new Queue<number>();
    q.close();
    await expect(q.put(1)).rejects.toThrow('This Queue is closed in this process');
    q[Symbol.dispose]();
  });

  test('a handle in a put that fails to encode leaves no transit: its object is freed with its last handle', () =>
    withManager(async (m) => {
      const d = await m.dict();
      const q = new Queue();
      await expect(q.put([d, () => 1])).rejects.toThrow(TypeError);
      d[Symbol.dispose]();
      q[Symbol.dispose]();
      expect(await m.objectCount()).toBe(0);
    }));

  test('a handle next to a getter that throws while encoding leaves no transit either', () =>
    withManager(async (m) => {
      const d = await m.dict();
      const q = new Queue();
      const hostile = {
        d,
        get boom(): number {
          throw new Error('getter');
        },
      };
      await expect(q.put(hostile)).rejects.toThrow();
      d[Symbol.dispose]();
      q[Symbol.dispose]();
      expect(await m.objectCount()).toBe(0);
    }));

  test('a handle inside a queue item never got is let go when the queue is freed', () =>
    withManager(async (m) => {
      const d = await m.dict();
      const q = new Queue();
      await q.put(d);
      d[Symbol.dispose]();
      q[Symbol.dispose]();
      expect(await m.objectCount()).toBe(0);
    }));

  test('a handle in an item a full queue refuses is let go with it', () =>
    withManager(async (m) => {
      const d = await m.dict();
      const q = new Queue(1);
      await q.put('filler');
      await expect(q.put(d, { block: false })).rejects.toThrow('The queue is full');
      d[Symbol.dispose]();
      expect(await m.objectCount()).toBe(0);
      q[Symbol.dispose]();
    }));

  test('the same handle twice in one payload (inside a Map): both work and objectCount goes back to 0', () =>
    withManager(async (m) => {
      const d = await m.dict<string, number>();
      await d.set('a', 1);
      const q = new Queue<unknown>();
      await q.put(new Map([['x', [d, d]]]));
      const got = (await q.get()) as Map<string, [typeof d, typeof d]>;
      const [a, b] = got.get('x') as [typeof d, typeof d];
      expect(await a.get('a')).toBe(1);
      expect(await b.get('a')).toBe(1);
      d[Symbol.dispose]();
      a[Symbol.dispose]();
      b[Symbol.dispose]();
      q[Symbol.dispose]();
      expect(await m.objectCount()).toBe(0);
    }));

  test('shutting the manager down while a proxy call waits rejects it with a ProcessError', () =>
    withManager(async (m) => {
      const q = await m.Queue<number>();
      const pending = expect(q.get()).rejects.toBeInstanceOf(ProcessError);
      await m.shutdown();
      await pending;
      await expect(q.qsize()).rejects.toBeInstanceOf(ProcessError);
    }));
});
