import { describe, expect, test } from '@jest/globals';
import { wait, type Connection } from '@procpool/core';
// Hand-made Waitables test the protocol itself, against the source's wait() and symbol.
import { wait as waitInSource } from '../../packages/core/src/common/wait.js';
import { WAITABLE, type Waitable } from '../../packages/core/src/common/waitable.js';
import { connect, listen, track } from '../helpers/listeners.js';

/** A connected pair: [ours, theirs]. */
async function pair(): Promise<[Connection, Connection]> {
  const listener = listen();
  const [client, server] = await Promise.all([connect(listener.address), listener.accept()]);
  return [client, track(server)];
}

/** A Waitable the test makes ready by hand, recording the signals it was given. */
class Gate implements Waitable {
  ready = false;
  readonly signals: AbortSignal[] = [];
  #open: Array<() => void> = [];
  readonly [WAITABLE] = {
    isReady: () => this.ready,
    whenReady: (signal: AbortSignal): Promise<void> => {
      this.signals.push(signal);
      return this.ready ? Promise.resolve() : new Promise((resolve) => this.#open.push(resolve));
    },
  };
  open(): void {
    this.ready = true;
    for (const resolve of this.#open.splice(0)) resolve();
  }
}

describe('wait()', () => {
  test('resolves at once with the objects already ready, in the order given', async () => {
    const [a, aPeer] = await pair();
    const [b, bPeer] = await pair();
    const [c] = await pair();
    bPeer.sendBytes(Buffer.from('b'));
    aPeer.sendBytes(Buffer.from('a'));
    await b.poll(null);
    await a.poll(null);
    expect(await wait([c, b, a])).toEqual([b, a]);
    expect(await wait([a, b, c], 0)).toEqual([a, b]);
  });

  test('waits for the first message, and reads nothing', async () => {
    const [ours, theirs] = await pair();
    const [other] = await pair();
    const waiting = wait([other, ours]);
    theirs.sendBytes(Buffer.from('hello'));
    expect(await waiting).toEqual([ours]);
    expect((await ours.recvBytes()).toString()).toBe('hello');
  });

  test('EOF counts as ready (recv() then rejects)', async () => {
    const [ours, theirs] = await pair();
    const waiting = wait([ours]);
    theirs.close();
    expect(await waiting).toEqual([ours]);
  });

  test('a timeout with nothing ready resolves []; timeout 0 polls', async () => {
    const [ours] = await pair();
    expect(await wait([ours], 0)).toEqual([]);
    expect(await wait([ours], 20)).toEqual([]);
  });

  test('an empty list resolves [] at once, even without a timeout', async () => {
    expect(await wait([])).toEqual([]);
  });

  test('takes any iterable, and null as "no timeout"', async () => {
    const [ours, theirs] = await pair();
    theirs.sendBytes(Buffer.from('x'));
    expect(await wait(new Set([ours]), null)).toEqual([ours]);
  });

  test('every wait it started is aborted once it resolves: on readiness and on timeout', async () => {
    const first = new Gate();
    const second = new Gate();
    const waiting = waitInSource([first, second]);
    second.open();
    expect(await waiting).toEqual([second]);
    expect([...first.signals, ...second.signals].every((signal) => signal.aborted)).toBe(true);
    const third = new Gate();
    expect(await waitInSource([third], 1)).toEqual([]);
    expect(third.signals.map((signal) => signal.aborted)).toEqual([true]);
  });

  test('an object that woke it but was no longer ready when looked at: waits on', async () => {
    const gate = new Gate();
    const other = new Gate();
    const waiting = waitInSource([gate, other]);
    gate.open();
    gate.ready = false; // taken by someone else before wait() looked
    await new Promise(setImmediate);
    expect(gate.signals).toHaveLength(2); // it waits again
    other.open();
    expect(await waiting).toEqual([other]);
  });

  test.each<[string, unknown, unknown, RegExp]>([
    [
      'objects that are not iterable',
      5,
      undefined,
      /Expected `objects` to be an iterable of Connections, Processes and sentinels, got `5` \(number\)/,
    ],
    [
      'an object that cannot be waited on',
      [{}],
      undefined,
      /Expected `objects\[0\]` to be a Connection, a Process or a sentinel, got `\[object Object\]` \(object\)/,
    ],
    ['a negative timeout', [], -1, /Expected `timeout` to be a non-negative number of ms, got `-1`/],
    ['a timeout that is no number', [], '5', /Expected `timeout` to be a non-negative number of ms/],
  ])('%s: rejected, naming it', async (_name, objects, timeout, message) => {
    await expect(waitInSource(objects as Waitable[], timeout as number)).rejects.toThrow(message);
  });
});
