// procpool demo: map over inputs, a task that throws, a worker that crashes,
// and maxTasksPerChild recycling. Run with `npm run demo`.
import { Pool, WorkerLostError, registerErrorClass } from '@procpool/core';
import { ParseError, crash, parseRecord, whoRuns, wordCount } from './demo/tasks.mjs';

registerErrorClass(ParseError);
const line = (title) => console.log(`\n== ${title}`);

const pool = new Pool(2);
try {
  line('map: word counts, computed in 2 worker processes');
  const texts = ['the quick brown fox', 'jumps over', 'the lazy dog', 'procpool runs tasks in processes'];
  console.log(await pool.map(wordCount, texts));

  line('a task that throws: the same class comes back, with the worker stack');
  try {
    await pool.apply(parseRecord, ['ada']);
  } catch (error) {
    console.log(`caught ${error.constructor.name} (instanceof ParseError: ${error instanceof ParseError})`);
    console.log(error.stack);
  }

  line('a worker that crashes (SIGSEGV) mid-task: only that task fails, the pool goes on');
  const [crashed, ...others] = await Promise.allSettled([
    pool.apply(crash),
    ...['1,2', 'grace,85', 'alan,41'].map((record) => pool.apply(parseRecord, [record])),
  ]);
  const error = crashed.reason;
  console.log(`${error.constructor.name}: pid ${error.pid}, signal ${error.signal}`, error instanceof WorkerLostError);
  console.log(
    'the other tasks:',
    others.map((outcome) => outcome.value),
  );
  console.log('and the pool still works:', await pool.apply(wordCount, ['still here']));
} finally {
  await pool.terminate();
}

line('maxTasksPerChild: 2 — each worker is replaced after 2 tasks, so the pids change');
const recycling = new Pool({ processes: 2, maxTasksPerChild: 2 });
try {
  const runs = await recycling.map(whoRuns, [1, 2, 3, 4, 5, 6, 7, 8], 1);
  for (const run of runs) console.log(`task ${run.task} ran in pid ${run.pid}`);
  console.log(`${new Set(runs.map((run) => run.pid)).size} different pids for 8 tasks`);
} finally {
  recycling.close();
  await recycling.join();
}
