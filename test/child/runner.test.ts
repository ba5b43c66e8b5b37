import { expect, test } from '@jest/globals';
import { decodeValue, encodeValue, type Payload } from '../../packages/core/src/common/codec/values.js';
import type { EncodingBody, ThrownBody, WireTaskRef } from '../../packages/core/src/common/protocol.js';
import type { EncodedFailure } from '../../packages/core/src/child/replies.js';
import {
  ANSWER_DELAY_MS,
  TaskRunner,
  type RunnerOptions,
  type RunnerSink,
  type TaskFn,
} from '../../packages/core/src/child/runner.js';

// What the runner told its sink, in order, with payloads decoded.
type Event =
  | { on: 'done'; id: number; results: unknown; retire: boolean; last: boolean }
  | { on: 'failed'; id: number; how: string; body: unknown; retire: boolean }
  | { on: 'flush' }
  | { on: 'ready' }
  | { on: 'initFailed'; body: unknown }
  | { on: 'leave' };

class FakeSink implements RunnerSink {
  readonly events: Event[] = [];
  #waiting: Array<{ until: (events: Event[]) => boolean; resolve: () => void }> = [];

  done(id: number, results: Payload, retire: boolean, last: boolean): void {
    this.#record({ on: 'done', id, results: decodeValue(results), retire, last });
  }
  failed(id: number, { how, payload }: EncodedFailure, retire: boolean): void {
    this.#record({ on: 'failed', id, how, body: decodeValue(payload), retire });
  }
  flush(): void {
    this.#record({ on: 'flush' });
  }
  ready(): void {
    this.#record({ on: 'ready' });
  }
  initFailed({ payload }: EncodedFailure): void {
    this.#record({ on: 'initFailed', body: decodeValue(payload) });
  }
  leave(): void {
    this.#record({ on: 'leave' });
  }

  /** The answers (done and failed), in the order given. */
  get answers(): Array<Extract<Event, { id: number }>> {
    return this.events.filter((event) => 'id' in event);
  }

  /** Resolves once the events say so: the tests wait on what the runner did, never on time. */
  when(until: (events: Event[]) => boolean): Promise<void> {
    if (until(this.events)) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.push({ until, resolve }));
  }

  answered(count: number): Promise<void> {
    return this.when(() => this.answers.length >= count);
  }

  #record(event: Event): void {
    this.events.push(event);
    for (const waiter of this.#waiting.filter(({ until }) => until(this.events))) {
      this.#waiting.splice(this.#waiting.indexOf(waiter), 1);
      waiter.resolve();
    }
  }
}

const ref = (n: string): WireTaskRef => ({ m: 'tasks', n });

/** A runner over task functions by name, each defined as the ref of its index; initialized with no initializer. */
function setUp(
  fns: Record<string, TaskFn>,
  options: Partial<Omit<RunnerOptions, 'sink' | 'findTask'>> & { findTask?: RunnerOptions['findTask'] } = {},
) {
  const sink = new FakeSink();
  const names = Object.keys(fns);
  const runner = new TaskRunner({
    sink,
    findTask: (wire) => {
      const fn = fns[wire.n];
      return fn ?? Promise.reject(new Error(`no ${wire.n}`));
    },
    overMemory: () => false,
    clock: () => 0, // no flush on time unless a test moves it
    ...options,
  });
  names.forEach((name, r) => runner.defineTask(r, ref(name)));
  /** Queues a chunk of argument lists (or, with `each`, of single arguments) for task function `name`. */
  const enqueue = (id: number, name: string, items: unknown[], each = false): void =>
    runner.enqueue(id, names.indexOf(name), encodeValue(items), each);
  return { sink, runner, enqueue };
}

function initialized(...args: Parameters<typeof setUp>) {
  const set = setUp(...args);
  set.runner.initialize(null, encodeValue([]));
  set.sink.events.length = 0;
  return set;
}

test('a chunk of synchronous calls answers with its results, at once when it is the only one', () => {
  const { sink, runner, enqueue } = initialized({ add: (a, b) => (a as number) + (b as number) });
  enqueue(1, 'add', [
    [1, 2],
    [3, 4],
  ]);
  runner.start();
  // Synchronous calls answer before start() returns.
  expect(sink.events).toEqual([{ on: 'done', id: 1, results: [3, 7], retire: false, last: true }]);
  expect(runner.running).toBeNull();
});

test('async calls and thenables are awaited, one call after the other', async () => {
  const order: string[] = [];
  const { sink, runner, enqueue } = initialized({
    later: async (x) => {
      order.push(`start ${String(x)}`);
      await Promise.resolve();
      order.push(`end ${String(x)}`);
      return (x as number) * 10;
    },
    thenable: (x) => ({ then: (resolve: (value: unknown) => void) => resolve(`then ${String(x)}`) }),
  });
  enqueue(1, 'later', [[1], [2]]);
  enqueue(2, 'thenable', [['a'], ['b']]);
  runner.start();
  await sink.answered(2);
  expect(order).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
  expect(sink.answers).toEqual([
    { on: 'done', id: 1, results: [10, 20], retire: false, last: false },
    { on: 'done', id: 2, results: ['then a', 'then b'], retire: false, last: true },
  ]);
});

test('an `each` chunk calls the function with each item as its one argument', () => {
  const seen: unknown[][] = [];
  const { sink, runner, enqueue } = initialized({
    args: (...args) => {
      seen.push(args);
      return args.length;
    },
  });
  enqueue(1, 'args', [[1, 2], 'x', undefined], true);
  runner.start();
  expect(seen).toEqual([[[1, 2]], ['x'], [undefined]]);
  expect(sink.answers).toEqual([{ on: 'done', id: 1, results: [1, 1, 1], retire: false, last: true }]);
});

test('a throw fails the chunk with what was thrown, and the calls after it do not run', async () => {
  let after = 0;
  const { sink, runner, enqueue } = initialized({
    fail: (x) => {
      if (x === 'error') throw new RangeError('out of range');
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- a task may throw anything
      if (x === 'null') throw null;
      if (x === 'reject') return Promise.reject(new Error('rejected'));
      after += 1;
      return x;
    },
  });
  enqueue(1, 'fail', [['error'], ['ok']]);
  enqueue(2, 'fail', [['null'], ['ok']]);
  enqueue(3, 'fail', [['reject'], ['ok']]);
  enqueue(4, 'fail', [['ok']]);
  runner.start();
  await sink.answered(4);
  expect(after).toBe(1);
  const [error, nil, rejected, ok] = sink.answers;
  expect(error).toMatchObject({ on: 'failed', id: 1, how: 'thrown', retire: false });
  const { e } = (error as { body: ThrownBody & { e: { cls: string; message: string } } }).body;
  expect([e.cls, e.message]).toEqual(['RangeError', 'out of range']);
  expect(nil).toEqual({ on: 'failed', id: 2, how: 'thrown', body: { v: null }, retire: false });
  expect(rejected).toMatchObject({ on: 'failed', id: 3, how: 'thrown', body: { e: { message: 'rejected' } } });
  expect(ok).toEqual({ on: 'done', id: 4, results: ['ok'], retire: false, last: true });
});

test('a result that cannot be encoded fails the chunk as an encoding failure naming it', () => {
  const { sink, runner, enqueue } = initialized({ fn: (x) => (x === 1 ? { deep: function named() {} } : x) });
  enqueue(1, 'fn', [[0], [1]]);
  runner.start();
  const [answer] = sink.answers;
  expect(answer).toMatchObject({ on: 'failed', id: 1, how: 'encoding', retire: false });
  const body = (answer as { body: EncodingBody }).body;
  expect(body.value).toContain('named');
  expect(body.exc).toMatch(/^functions cannot be sent .* \(at result\.deep\)$/);
});

test('an unknown task function number, or one whose lookup fails, fails only its chunk', async () => {
  const { sink, runner, enqueue } = initialized({ ok: () => 'ok' });
  runner.defineTask(7, ref('missing'));
  runner.enqueue(1, 3, encodeValue([[]]), false);
  runner.enqueue(2, 7, encodeValue([[]]), false);
  enqueue(3, 'ok', [[]]);
  runner.start();
  await sink.answered(3);
  expect(sink.answers).toMatchObject([
    { on: 'failed', id: 1, body: { e: { message: 'No task function 3 was sent' } } },
    { on: 'failed', id: 2, body: { e: { message: 'no missing' } } },
    { on: 'done', id: 3, results: ['ok'] },
  ]);
});

test('a task function still loading is awaited once, then found without a lookup', async () => {
  let lookups = 0;
  let load!: (fn: TaskFn) => void;
  const loading = new Promise<TaskFn>((resolve) => (load = resolve));
  const { sink, runner } = setUp(
    {},
    {
      findTask: () => {
        lookups += 1;
        return loading;
      },
    },
  );
  runner.initialize(null, encodeValue([]));
  runner.defineTask(0, ref('slow'));
  runner.enqueue(1, 0, encodeValue([[1]]), false);
  runner.enqueue(2, 0, encodeValue([[2]]), false);
  runner.start();
  expect(runner.running).toBe(1);
  load((x) => x);
  await sink.answered(2);
  expect(lookups).toBe(1);
  expect(sink.answers).toMatchObject([
    { on: 'done', id: 1, results: [1] },
    { on: 'done', id: 2, results: [2] },
  ]);
});

test('`running` names the chunk whose call is running', async () => {
  const { sink, runner, enqueue } = initialized({ seen: () => runner.running });
  enqueue(5, 'seen', [[]]);
  enqueue(6, 'seen', [[]]);
  runner.start();
  await sink.answered(2);
  expect(sink.answers).toMatchObject([{ results: [5] }, { results: [6] }]);
  expect(runner.running).toBeNull();
});

test('over its memory limit, the worker retires with that answer: the chunks queued after it do not run', async () => {
  let calls = 0;
  let over = false;
  const { sink, runner, enqueue } = initialized(
    {
      grow: (x) => {
        calls += 1;
        if (x === 'grow') over = true;
        return x;
      },
    },
    { overMemory: () => over },
  );
  enqueue(1, 'grow', [['small']]);
  enqueue(2, 'grow', [['grow']]);
  enqueue(3, 'grow', [['never']]);
  runner.start();
  await sink.when((events) => events.some((event) => event.on === 'leave'));
  expect(calls).toBe(2);
  expect(sink.events).toEqual([
    { on: 'done', id: 1, results: ['small'], retire: false, last: false },
    { on: 'done', id: 2, results: ['grow'], retire: true, last: false },
    { on: 'leave' },
  ]);
  // Chunks that arrive later do not run either.
  enqueue(4, 'grow', [['never']]);
  runner.start();
  expect(calls).toBe(2);
});

test('a failed chunk carries the retire flag too', () => {
  const { sink, runner, enqueue } = initialized(
    {
      fail: () => {
        throw new Error('boom');
      },
    },
    { overMemory: () => true },
  );
  enqueue(1, 'fail', [[]]);
  enqueue(2, 'fail', [[]]);
  runner.start();
  expect(sink.events).toMatchObject([{ on: 'failed', id: 1, how: 'thrown', retire: true }, { on: 'leave' }]);
});

test('answers come in the order the chunks were queued, chunks queued mid-run included', async () => {
  let release!: () => void;
  const { sink, runner, enqueue } = initialized({
    now: (x) => x,
    wait: (x) => new Promise((resolve) => (release = () => resolve(x))),
  });
  enqueue(1, 'now', [['a']]);
  enqueue(2, 'wait', [['b']]);
  enqueue(3, 'now', [['c']]);
  runner.start();
  expect(runner.running).toBe(2);
  enqueue(4, 'now', [['d']]);
  runner.start(); // already draining: chunk 4 waits its turn
  expect(sink.answers.map((answer) => answer.id)).toEqual([1]);
  release();
  await sink.answered(4);
  expect(sink.answers).toEqual([
    { on: 'done', id: 1, results: ['a'], retire: false, last: false },
    { on: 'done', id: 2, results: ['b'], retire: false, last: false },
    { on: 'done', id: 3, results: ['c'], retire: false, last: false },
    { on: 'done', id: 4, results: ['d'], retire: false, last: true },
  ]);
});

test('stop while running: the chunk at hand and those queued finish, then the runner leaves', async () => {
  let release!: () => void;
  const { sink, runner, enqueue } = initialized({
    wait: () => new Promise<void>((resolve) => (release = resolve)),
    now: (x) => x,
  });
  enqueue(1, 'wait', [[]]);
  enqueue(2, 'now', [[2]]);
  runner.start();
  runner.stop();
  expect(sink.events).toEqual([]);
  release();
  await sink.when((events) => events.some((event) => event.on === 'leave'));
  expect(sink.events.map((event) => event.on)).toEqual(['done', 'done', 'leave']);
});

test('stop when idle leaves at once; a stop read with chunks leaves after they ran', () => {
  const idle = initialized({});
  idle.runner.stop();
  expect(idle.sink.events).toEqual([{ on: 'leave' }]);

  const { sink, runner, enqueue } = initialized({ now: (x) => x });
  enqueue(1, 'now', [[1]]);
  runner.stop(); // the host starts the chunks of a read after handing over all its frames
  expect(sink.events).toEqual([]);
  runner.start();
  expect(sink.events.map((event) => event.on)).toEqual(['done', 'leave']);
});

test('answers wait for the run to end, unless ANSWER_DELAY_MS went by since the last flush', () => {
  let clock = 1000;
  const { sink, runner, enqueue } = initialized(
    {
      quick: (x) => x,
      slow: (x) => {
        clock += ANSWER_DELAY_MS;
        return x;
      },
    },
    { clock: () => clock },
  );
  for (const [id, name] of [
    [1, 'quick'],
    [2, 'quick'],
    [3, 'slow'],
    [4, 'quick'],
    [5, 'slow'],
    [6, 'slow'],
  ] as const)
    enqueue(id, name, [[id]]);
  runner.start();
  expect(
    sink.events.map((event) => (event.on === 'done' ? `${event.id}${event.last ? ' last' : ''}` : event.on)),
  ).toEqual([
    '1',
    '2',
    '3',
    'flush',
    '4',
    '5',
    'flush',
    // No flush after the last: its answer leaves at once with `last`.
    '6 last',
  ]);
});

test('answers held so far leave before a chunk whose call returns a promise is awaited', async () => {
  let release!: () => void;
  const { sink, runner, enqueue } = initialized({
    quick: (x) => x,
    later: (x) => new Promise((resolve) => (release = () => resolve(x))),
  });
  enqueue(1, 'quick', [[1]]);
  enqueue(2, 'later', [[2]]);
  enqueue(3, 'quick', [[3]]);
  runner.start();
  // The answer to 1 does not wait for 2, however long 2 takes.
  expect(sink.events.map((event) => (event.on === 'done' ? String(event.id) : event.on))).toEqual(['1', 'flush']);
  release();
  await new Promise((resolve) => setImmediate(resolve));
  expect(sink.events.map((event) => (event.on === 'done' ? String(event.id) : event.on))).toEqual([
    '1',
    'flush',
    '2',
    '3',
  ]);
});

test('chunks wait for the initializer, which gets its arguments; ready comes before their answers', async () => {
  let init!: () => void;
  let called!: (args: unknown[]) => void;
  const setupCalled = new Promise<unknown[]>((resolve) => (called = resolve));
  const { sink, runner, enqueue } = setUp({
    setup: (...args) => {
      called(args);
      return new Promise<void>((resolve) => (init = resolve));
    },
    now: (x) => x,
  });
  runner.initialize(ref('setup'), encodeValue([1, 'two']));
  enqueue(1, 'now', [[1]]);
  runner.start();
  runner.stop();
  expect(await setupCalled).toEqual([1, 'two']);
  expect(sink.events).toEqual([]);
  init();
  await sink.when((events) => events.some((event) => event.on === 'leave'));
  expect(sink.events.map((event) => event.on)).toEqual(['ready', 'done', 'leave']);
});

test('without an initializer the runner is ready at once; a stop that came first then leaves', () => {
  const { sink, runner } = setUp({});
  runner.stop();
  expect(sink.events).toEqual([]);
  runner.initialize(null, encodeValue([]));
  expect(sink.events).toEqual([{ on: 'ready' }, { on: 'leave' }]);
});

test('an initializer that throws (or cannot be found) fails the start, and no chunk runs', async () => {
  for (const init of ['throws', 'missing']) {
    let calls = 0;
    const { sink, runner, enqueue } = setUp({
      throws: () => Promise.reject(new TypeError('bad setup')),
      now: () => (calls += 1),
    });
    enqueue(1, 'now', [[]]);
    runner.initialize(ref(init), encodeValue([]));
    runner.start();
    await sink.when((events) => events.length > 0);
    runner.stop();
    runner.start();
    expect(calls).toBe(0);
    expect(sink.events).toMatchObject([
      { on: 'initFailed', body: { e: { message: init === 'throws' ? 'bad setup' : 'no missing' } } },
    ]);
  }
});
