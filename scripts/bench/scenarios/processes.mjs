// @ts-check
// Python's multiprocessing API, against bare Node and CPython: a Process from
// start to join (H), a Connection's round trip (I), 1 MiB messages through a
// Connection (J). Only procpool has it (`needs: 'multiprocessing'`); the
// CPython rows run python/multiprocessing_bench.py (python.mjs).
import { createRequire } from 'node:module';
import { forkAndExit, pipeChild, rawSink } from '../baselines.mjs';
import { pinApart } from '../processes.mjs';
import { python } from '../python.mjs';
import { median } from '../results.mjs';
import { NotAvailable } from '../subjects.mjs';
import { MiB, now, within } from './helpers.mjs';

/** @typedef {import('./helpers.mjs').Scenario} Scenario */
/** @typedef {import('./helpers.mjs').RunOptions} RunOptions */

const require = createRequire(import.meta.url);
/** The targets, the same on procpool's side as on CPython's. */
const targets = () => require('../workers/procpool-processes.cjs');

/**
 * procpool's API, for a subject that has it: the scenarios drive it directly, as a user would.
 * @param {import('./helpers.mjs').Adapter} subject
 */
export async function multiprocessing(subject) {
  const lacking = subject.lacks.multiprocessing;
  if (lacking !== undefined) throw new NotAvailable(lacking);
  return import('@procpool/core');
}

/** Processes started and joined per trial, one at a time, after one unmeasured. @param {boolean} quick */
const starts = (quick) => (quick ? 3 : 8);

/**
 * The median ms of `once`, one at a time, after one unmeasured call.
 * @param {() => Promise<void>} once
 * @param {RunOptions} options
 */
async function medianMs(once, { quick }) {
  await once();
  const times = [];
  for (let i = 0; i < starts(quick); i += 1) {
    const start = now();
    await once();
    times.push(now() - start);
  }
  return median(times);
}

/**
 * CPython's Process with a start method, timed in Python the same way.
 * @param {'fork' | 'spawn'} method
 * @returns {import('./helpers.mjs').Baseline}
 */
const pythonStartJoin = (method) => ({
  variant: method,
  name: `CPython ${method}: multiprocessing.Process(target=f).start(); join()`,
  run: async ({ quick }) => {
    const { ms } = await python(['start-join', method, '1', String(starts(quick))]);
    return median(/** @type {number[]} */ (ms));
  },
});

// (H) A Process whose target returns at once, from construction to join(): ms.
/** @type {Scenario} */
export const H = {
  title: 'H. Process start → join, a target that returns at once (ms, lower is better)',
  baseline: { name: 'child_process.fork of a child that exits', run: (options) => medianMs(forkAndExit, options) },
  references: { 'python-fork': pythonStartJoin('fork'), 'python-spawn': pythonStartJoin('spawn') },
  unit: 'ms',
  needs: 'multiprocessing',
  // procpool's two start methods; CPython's of the same name beside each.
  variants: { fork: () => 'fork', spawn: () => 'spawn' },
  run: async (subject, { quick, variant }) => {
    const { Process } = await multiprocessing(subject);
    const { nothing } = targets();
    return medianMs(
      async () => {
        const child = new Process({ target: nothing, context: /** @type {'fork' | 'spawn'} */ (variant) });
        child.start();
        await child.join();
        if (child.exitCode !== 0) throw new Error(`the child exited with ${child.exitCode}`);
      },
      { quick },
    );
  },
};

/**
 * `use` with our end of a Pipe whose other end a Process running `target` holds;
 * then `stop` sent, and the child joined.
 * @template T
 * @param {import('./helpers.mjs').Adapter} subject
 * @param {string} target its name in workers/procpool-processes.cjs
 * @param {(conn: any) => Promise<T>} use
 * @param {(conn: any) => void} stop
 */
async function withChild(subject, target, use, stop) {
  const { Pipe, Process } = await multiprocessing(subject);
  const [ours, theirs] = Pipe();
  const child = new Process({ target: targets()[target], args: [theirs] });
  child.start();
  theirs.close();
  try {
    return await use(ours);
  } finally {
    stop(ours);
    await within(child.join(), 5000).catch(() => child.kill());
    ours.close();
  }
}

/** Round trips: unmeasured, then measured; the same on CPython's side. @param {boolean} quick */
const roundTrips = (quick) => (quick ? { warm: 200, count: 500 } : { warm: 2000, count: 5000 });

/** The small value sent there and back, and the small message; CPython's side sends the same. */
const SMALL = { id: 1, name: 'small', ok: true };
const SMALL_BYTES = Buffer.from('0123456789abcdef');

/**
 * µs per call of `once`, one at a time, after the unmeasured ones.
 * @param {() => Promise<unknown>} once
 * @param {RunOptions} options
 */
async function roundTripMicros(once, { quick }) {
  const { warm, count } = roundTrips(quick);
  for (let i = 0; i < warm; i += 1) await once();
  const start = now();
  for (let i = 0; i < count; i += 1) await once();
  return ((now() - start) * 1000) / count;
}

/**
 * Node's floor under I: a child echoing frames by hand on a Unix socket pair
 * (its fd 3), pinned as procpool's child is; `send` JSON-encodes and decodes
 * the small object in the parent.
 * @param {'send' | 'sendBytes'} variant
 * @returns {import('./helpers.mjs').Baseline}
 */
const nodeEcho = (variant) => ({
  variant,
  name: `a Node child echoing on a Unix socket pair, framed by hand${variant === 'send' ? ', JSON in the parent' : ''}`,
  run: async (options) => {
    const child = await pipeChild();
    try {
      pinApart();
      const text = () => JSON.stringify(SMALL);
      return await roundTripMicros(
        variant === 'send'
          ? async () => JSON.parse((await child.roundTrip(text())).toString())
          : () => child.roundTrip(SMALL_BYTES),
        options,
      );
    } finally {
      child.close();
    }
  },
});

// (I) a small message to a Process that echoes it, one at a time: µs.
/** @type {Scenario} */
export const I = {
  title:
    'I. Connection round trip to a Process echoing it, one at a time, the parent on CPU 0 and the child on CPU 1 (µs, lower is better)',
  baseline: {
    name: 'CPython: Pipe() and a Process echoing what it receives',
    run: async ({ quick, variant }) => {
      const { warm, count } = roundTrips(quick);
      const kind = variant === 'send' ? 'send' : 'bytes';
      const { us } = await python(['round-trip', kind, String(warm), String(count)]);
      return /** @type {number} */ (us);
    },
  },
  references: { 'node-send': nodeEcho('send'), 'node-bytes': nodeEcho('sendBytes') },
  unit: 'µs',
  needs: 'multiprocessing',
  // send()/recv() of a small object (procpool's codec; CPython's pickle), and sendBytes()/recvBytes() of 16 bytes.
  variants: { send: () => SMALL, sendBytes: () => SMALL_BYTES },
  run: (subject, { quick, variant }) => {
    const bytes = variant === 'sendBytes';
    return withChild(
      subject,
      bytes ? 'echoBytes' : 'echo',
      async (conn) => {
        pinApart();
        /** @type {() => Promise<unknown>} */
        const once = bytes
          ? () => (conn.sendBytes(SMALL_BYTES), conn.recvBytes())
          : () => (conn.send(SMALL), conn.recv());
        return roundTripMicros(once, { quick });
      },
      (conn) => (bytes ? conn.sendBytes(Buffer.alloc(0)) : conn.send(null)),
    );
  },
};

/** MiB sent unmeasured, then measured; the same on CPython's side. @param {boolean} quick */
const volumes = (quick) => (quick ? { warm: 16, count: 128 } : { warm: 32, count: 512 });

/**
 * MiB/s through a sink: `warm` 1 MiB messages, then `count` timed, each burst
 * closed by asking for the count of bytes received (which must add up).
 * @param {{ send: (body: Buffer) => Promise<void>, count: () => Promise<number> }} sink
 * @param {RunOptions} options
 */
async function sinkRate(sink, { quick }) {
  const { warm, count } = volumes(quick);
  const block = Buffer.alloc(MiB, 7);
  const burst = async (/** @type {number} */ n) => {
    for (let i = 0; i < n; i += 1) await sink.send(block);
    return sink.count();
  };
  await burst(warm);
  const start = now();
  const received = await burst(count);
  const seconds = (now() - start) / 1000;
  if (received !== (warm + count) * MiB) throw new Error(`the child received ${received} bytes`);
  return count / seconds;
}

/**
 * sinkRate over a hand-written child.
 * @param {{ onread?: boolean }} how
 * @param {RunOptions} options
 */
async function rawSinkRate(how, options) {
  const sink = rawSink(how);
  try {
    return await sinkRate(sink, options);
  } finally {
    sink.close();
  }
}

// (J) 1 MiB messages one way, to a Process counting them: MiB/s.
/** @type {Scenario} */
export const J = {
  title: 'J. 1 MiB sendBytes() to a Process, one way (MiB/s, higher is better)',
  baseline: {
    name: "a Unix socket pair to a Node child, framed by hand, each message copied from 'data' chunks into one Buffer",
    run: (options) => rawSinkRate({}, options),
  },
  references: {
    onread: {
      name: 'the same, each message read straight into its Buffer through onread',
      run: (options) => rawSinkRate({ onread: true }, options),
    },
    python: {
      name: "CPython: Pipe() and a Process's recv_bytes()",
      run: async ({ quick }) => {
        const { warm, count } = volumes(quick);
        const { mibs } = await python(['throughput', String(warm), String(count)]);
        return /** @type {number} */ (mibs);
      },
    },
  },
  unit: 'MiB/s',
  needs: 'multiprocessing',
  run: (subject, options) =>
    withChild(
      subject,
      'sink',
      (conn) =>
        sinkRate(
          {
            // drain(): the writer's memory stays bounded, as the baseline waits for 'drain'.
            send: async (body) => {
              conn.sendBytes(body);
              await conn.drain();
            },
            count: async () => {
              conn.sendBytes(Buffer.alloc(0));
              return Number((await conn.recvBytes()).toString());
            },
          },
          options,
        ),
      (conn) => conn.sendBytes(Buffer.from('q')),
    ),
};
