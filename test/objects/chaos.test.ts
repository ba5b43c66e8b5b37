import { createRequire } from 'node:module';
import { expect, test } from '@jest/globals';
import { Empty, Lock, Manager, Queue, WorkerLostError } from '@procpool/core';
import { countUnderLock } from '../../fixtures/hostile-chaos.mjs';
import { makePool } from '../helpers/pools.js';

// The object server of this process (the queue's and the lock's host) listens from
// the first handle sent on and keeps its socket directory until closed.
const objects = createRequire(import.meta.url)('../../packages/core/dist/bundle/objects.cjs') as {
  internals: Record<string, { processHost(): { close(): void } }>;
};
const { processHost } = objects.internals['dist/common/objects/hosts.js'] as { processHost(): { close(): void } };

const WORKERS = 4;
const TASKS = 48;
const OPS = 20;
const KILLS = 12;
/** A kill every this many acknowledgements. */
const KILL_EVERY = 30;

test.each(['this process', 'the manager'])(
  'workers SIGKILLed at random while they share a Queue and a Lock (hosted by %s) and a manager dict: every acknowledged increment happened exactly once, nothing hangs',
  async (host) => {
    const manager = await Manager();
    try {
      const queue =
        host === 'the manager' ? await manager.Queue<[number, number] | null>() : new Queue<[number, number] | null>();
      const lock = host === 'the manager' ? await manager.Lock() : new Lock();
      const dict = await manager.dict<string, number>();
      await dict.set('counter', 0);
      const pool = makePool(WORKERS);
      const outcomes = Promise.allSettled(
        Array.from({ length: TASKS }, () => pool.apply(countUnderLock, [queue, lock, dict, OPS])),
      );
      // Once every task has settled, a last item wakes the reader below.
      const done = outcomes.then(async (settled) => {
        await queue.put(null);
        return settled;
      });

      const acks: [number, number][] = [];
      const killed = new Set<number>();
      for (;;) {
        const ack = await queue.get();
        if (ack === null) break;
        acks.push(ack);
        if (acks.length % KILL_EVERY === 0 && killed.size < KILLS) {
          // One of the workers heard from lately, picked at random (timing is the only randomness).
          const recent = [...new Set(acks.slice(-10).map(([pid]) => pid))].filter((pid) => !killed.has(pid));
          const victim = recent[Math.floor(Math.random() * recent.length)];
          if (victim !== undefined) {
            process.kill(victim, 'SIGKILL');
            killed.add(victim);
          }
        }
      }
      const settled = await done;
      await pool.terminate();
      // Acknowledgements a killed worker sent just before dying may still be arriving: they count if they come.
      for (;;) {
        try {
          const late = await queue.getNowait();
          if (late !== null) acks.push(late);
        } catch (error) {
          expect(error).toBeInstanceOf(Empty);
          break;
        }
      }

      expect(killed.size).toBe(KILLS);
      const failed = settled.filter((outcome) => outcome.status === 'rejected');
      for (const outcome of failed) expect(outcome.reason).toBeInstanceOf(WorkerLostError);
      expect(failed.length).toBeLessThanOrEqual(KILLS);

      const written = await dict.copy();
      const counter = written.get('counter') as number;
      const acked = new Map(acks.map(([pid, value]) => [value, pid]));
      // Exactly once: no two operations saw the same counter, and each acknowledgement matches what was written.
      expect(acked.size).toBe(acks.length);
      for (const [value, pid] of acked) expect([value, written.get(`w${value}`)]).toEqual([value, pid]);
      // Every increment is acknowledged, or its writer was killed before it could be (at most one per kill).
      const unacked = Array.from({ length: counter }, (_, i) => i + 1).filter((value) => !acked.has(value));
      for (const value of unacked) expect(killed).toContain(written.get(`w${value}`));
      expect(unacked.length).toBeLessThanOrEqual(KILLS);
      expect(acks.length + unacked.length).toBe(counter);
      // The tasks that finished did all their operations.
      const finished = settled.length - failed.length;
      expect(counter).toBeGreaterThanOrEqual(finished * OPS);
      // A killed owner's lock was given back each time.
      expect(await lock.locked()).toBe(false);
      lock[Symbol.dispose]();
      queue[Symbol.dispose]();
    } finally {
      await manager.shutdown();
      processHost().close();
    }
  },
);
