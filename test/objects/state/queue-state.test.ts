import { describe, expect, test } from '@jest/globals';
import type { Payload } from '../../../packages/core/src/common/codec/payload.js';
import { encodeValue } from '../../../packages/core/src/common/codec/values.js';
import { ProcessError } from '../../../packages/core/src/common/errors.js';
import { Empty, Full } from '../../../packages/core/src/common/objects/errors.js';
import { JoinableQueueState } from '../../../packages/core/src/common/objects/state/joinable-queue-state.js';
import { QueueState } from '../../../packages/core/src/common/objects/state/queue-state.js';
import type { Caller } from '../../../packages/core/src/common/objects/referent.js';
import { A, B, C, countTimers, flush, watch } from './helpers.js';

const item = (value: unknown): Payload => encodeValue(value);

/** A put that must take its item at once. */
function putNow(queue: QueueState, caller: Caller, payload: Payload): void {
  expect(queue.put(caller, payload, true, null)).toBeUndefined();
}

/** A get that must answer at once. */
function getNow(queue: QueueState, caller: Caller, block = true): Payload {
  const got = queue.get(caller, block, null);
  if (got instanceof Promise) throw new Error('Expected an item at once');
  return got;
}

describe('QueueState', () => {
  test('items come out in the order they went in; qsize, empty and full follow', async () => {
    const queue = new QueueState(3);
    expect(queue.empty()).toBe(true);
    for (const n of [1, 2, 3]) expect(queue.put(A, item(n), true, null)).toBeUndefined();
    expect(queue.qsize()).toBe(3);
    expect(queue.full()).toBe(true);
    expect(() => queue.put(A, item(4), false, null)).toThrow(Full);
    expect(() => queue.put(A, item(4), true, 0)).toThrow(Full);
    await expect(queue.put(A, item(4), true, 1)).rejects.toThrow(Full);
    expect([1, 2, 3].map(() => getNow(queue, B, false))).toEqual([item(1), item(2), item(3)]);
    expect(queue.empty()).toBe(true);
    expect(() => queue.get(B, false, 60_000)).toThrow(Empty);
    expect(() => queue.get(B, true, 0)).toThrow(Empty);
    await expect(queue.get(B, true, 1)).rejects.toThrow(Empty);
  });

  test('maxsize 0 or below is unbounded; the item given is the item got, never decoded', () => {
    for (const maxsize of [0, -1]) {
      const queue = new QueueState(maxsize);
      for (let n = 0; n < 1000; n += 1) expect(queue.put(A, item(n), false, null)).toBeUndefined();
      expect(queue.full()).toBe(false);
      expect(queue.qsize()).toBe(1000);
    }
    const queue = new QueueState(0);
    const odd: Payload = { text: 'not even a real encoding', parts: [] };
    putNow(queue, A, odd);
    expect(getNow(queue, A)).toBe(odd);
  });

  test('getters are served in the order they asked, as items arrive; a timed-out getter gets nothing later', async () => {
    const timers = countTimers();
    const queue = new QueueState(0);
    const first = watch(queue.get(A, true, null));
    const late = queue.get(B, true, 1);
    const third = watch(queue.get(C, true, 60_000));
    await expect(late).rejects.toThrow(Empty);
    putNow(queue, A, item('x'));
    putNow(queue, A, item('y'));
    await flush();
    expect(first.value).toEqual(item('x'));
    expect(third.value).toEqual(item('y'));
    expect(queue.empty()).toBe(true);
    expect(await timers.stop()).toBe(0);
  });

  test('blocked putters go in, in order, as room appears; a timed-out putter’s item never enters', async () => {
    const queue = new QueueState(1);
    putNow(queue, A, item(1));
    const p2 = watch(queue.put(A, item(2), true, null));
    const late = queue.put(B, item('late'), true, 1);
    const p3 = watch(queue.put(C, item(3), true, 60_000));
    await expect(late).rejects.toThrow(Full);
    expect(getNow(queue, A)).toEqual(item(1));
    await flush();
    expect(p2.settled).toBe(true);
    expect(p3.settled).toBe(false);
    expect(getNow(queue, A)).toEqual(item(2));
    expect(getNow(queue, A)).toEqual(item(3));
    await flush();
    expect(p3.settled).toBe(true);
    expect(queue.empty()).toBe(true);
  });

  test('a gone caller’s getters and putters are dropped unanswered: its items never enter, nothing is lost to it', async () => {
    const timers = countTimers();
    const queue = new QueueState(1);
    const gone = watch(queue.get(A, true, 60_000));
    const b = watch(queue.get(B, true, null));
    queue.callerGone(A);
    putNow(queue, C, item('for b'));
    putNow(queue, C, item('kept'));
    const putter = watch(queue.put(A, item('from a'), true, 60_000));
    queue.callerGone(A);
    await flush();
    expect(gone.settled).toBe(false);
    expect(putter.settled).toBe(false);
    expect(b.value).toEqual(item('for b'));
    expect(getNow(queue, C, false)).toEqual(item('kept'));
    expect(queue.empty()).toBe(true);
    expect(await timers.stop()).toBe(0);
  });

  test('dispose rejects getters and putters; a hostile item or argument is a TypeError and changes nothing', async () => {
    const queue = new QueueState(1);
    const getter = queue.get(A, true, null);
    const error = new ProcessError('freed');
    queue.dispose(error);
    await expect(getter).rejects.toBe(error);
    for (const bad of [null, 'text', { text: 1, parts: [] }, { text: '' }]) {
      expect(() => queue.put(A, bad as unknown as Payload, true, null)).toThrow(TypeError);
    }
    expect(() => queue.put(A, item(1), 1 as unknown as boolean, null)).toThrow(TypeError);
    expect(() => queue.get(A, true, -1)).toThrow(RangeError);
    expect(() => new QueueState(1.5)).toThrow(RangeError);
    expect(queue.qsize()).toBe(0);
    putNow(queue, A, item(1));
    const putter = queue.put(A, item(2), true, null);
    queue.dispose(error);
    await expect(putter).rejects.toBe(error);
  });
});

describe('JoinableQueueState', () => {
  test('join resolves once every item put has been marked done', async () => {
    const queue = new JoinableQueueState(0);
    expect(queue.join(A)).toBeUndefined();
    putNow(queue, A, item(1));
    putNow(queue, A, item(2));
    const joins = [watch(queue.join(A)), watch(queue.join(B))];
    getNow(queue, C);
    queue.taskDone(C);
    await flush();
    expect(joins.map((j) => j.settled)).toEqual([false, false]);
    getNow(queue, C);
    queue.taskDone(C);
    await flush();
    expect(joins.map((j) => j.settled)).toEqual([true, true]);
    expect(() => queue.taskDone(C)).toThrow(new ProcessError('taskDone() called more times than there were items'));
  });

  test('an item handed straight to a waiting getter, or let in from a blocked putter, counts as put', async () => {
    const queue = new JoinableQueueState(1);
    const getter = queue.get(B, true, null);
    putNow(queue, A, item(1));
    expect(await getter).toEqual(item(1));
    putNow(queue, A, item(2));
    const putter = queue.put(A, item(3), true, null);
    getNow(queue, B);
    await putter;
    getNow(queue, B);
    // A timed-out putter's item never entered: it is not counted.
    putNow(queue, A, item(4));
    await expect(queue.put(A, item(5), true, 1)).rejects.toThrow(Full);
    getNow(queue, B);
    for (let n = 0; n < 4; n += 1) queue.taskDone(B);
    expect(() => queue.taskDone(B)).toThrow(ProcessError);
  });

  test('a gone caller’s join is dropped unanswered; dispose rejects the other joiners', async () => {
    const queue = new JoinableQueueState(0);
    putNow(queue, A, item(1));
    const gone = watch(queue.join(A));
    const b = queue.join(B);
    queue.callerGone(A);
    const error = new ProcessError('freed');
    queue.dispose(error);
    await expect(b).rejects.toBe(error);
    await flush();
    expect(gone.settled).toBe(false);
  });
});
