import { expect } from '@jest/globals';
import { WorkerLostError, activeChildren } from '@procpool/core';
import * as tasks from '../../fixtures/tasks.mjs';
import { makePool, notForThreads, processOnlyTest } from '../helpers/pools.js';

// Workers killed from outside: processes only (a thread has no pid to signal;
// a thread's death by itself is covered in deaths.test.ts and idle-deaths.test.ts).

processOnlyTest(
  'chaos: 5 000 tasks on 4 workers while workers are SIGKILLed every few ms; everything settles',
  notForThreads.outsideKill,
  async () => {
    const pool = makePool(4);
    const working = new Set<number>(); // workers that have answered: fair game
    const killed = new Set<number>();
    const results = Array.from({ length: 5000 }, (_, i) =>
      pool.applyAsync(tasks.slowSquare, [i, 1], {
        callback: ({ pid }: { pid: number }) => working.add(pid),
      }),
    );
    const killer = setInterval(() => {
      if (killed.size >= 50) return; // bounded: each kill costs a worker start-up (~100 ms here)
      const alive = new Set(activeChildren().map((child) => child.pid));
      // A late answer of a killed worker may put it back in `working`: it is never a victim twice.
      const candidates = [...working].filter((pid) => alive.has(pid) && !killed.has(pid));
      const victim = candidates[Math.floor(Math.random() * candidates.length)];
      if (victim === undefined) return;
      working.delete(victim);
      killed.add(victim);
      process.kill(victim, 'SIGKILL');
    }, 3);
    const outcomes = await Promise.allSettled(results.map((result) => result.get()));
    clearInterval(killer);

    let fulfilled = 0;
    outcomes.forEach((outcome, i) => {
      if (outcome.status === 'fulfilled') {
        fulfilled += 1;
        expect((outcome.value as { value: number }).value).toBe(i * i);
      } else {
        // Only a task whose own worker was killed may fail, and only with WorkerLostError.
        expect(outcome.reason).toBeInstanceOf(WorkerLostError);
        expect(killed.has((outcome.reason as WorkerLostError).pid)).toBe(true);
      }
    });
    expect(killed.size).toBe(50);
    expect(5000 - fulfilled).toBeLessThanOrEqual(killed.size);
    await expect(pool.map(tasks.square, [1, 2, 3, 4], 1)).resolves.toEqual([1, 4, 9, 16]);
  },
);

// A worker that read a task may have started it, and its death fails that
// task; one killed before it read the task never started it: issue 12.
processOnlyTest(
  'chaos: workers SIGKILLed while idle, right before the next tasks are sent to them, fail no task',
  notForThreads.outsideKill,
  async () => {
    const pool = makePool(2);
    let killed = 0;
    for (let round = 0; round < 40; round += 1) {
      // Every worker answered and is idle now; one dies as the next round is sent.
      const answers = await pool.starmap(
        tasks.slowSquare,
        [0, 1, 2, 3].map((i): [number, number] => [round + i, 0]),
        1,
      );
      const pids = [...new Set(answers.map((answer) => answer.pid))];
      const victim = pids[round % pids.length] as number;
      process.kill(victim, 'SIGKILL');
      killed += 1;
    }
    expect(killed).toBe(40);
    expect(pool.stats().failed).toBe(0);
  },
);
