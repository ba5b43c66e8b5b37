// The task a BullMQ worker's Pool runs for each job, in a procpool worker
// process: it decodes the arguments there (where the task module, its
// registered types and error classes are loaded), runs the task, and encodes
// the outcome there too, so the BullMQ worker only passes strings along.
// CommonJS with no imports of procpool: a worker loads it at the cost of one
// require, and reaches its own procpool through registries on globalThis.
import os = require('node:os');
import type { JobData, Outcome, Place, RunnerAnswer } from './job-data.js';

type TaskFn = (...args: unknown[]) => unknown;

interface WorkerSide {
  findTask(ref: { m: string; n: string; d?: true }): TaskFn | Promise<TaskFn>;
  encode(value: unknown, where: (path: string) => string, toWorker: boolean): string;
  decode(text: string): unknown;
  unsendable(value: unknown, reason: string): Error;
  bareError(error: Error): Error;
}

const registry = <T,>(name: string): T | undefined =>
  (globalThis as Record<symbol, T | undefined>)[Symbol.for(`procpool.registry.${name}`)];

// Looked up on the first job: the registries are this process's for its whole life.
let found: WorkerSide | undefined;

function workerSide(): WorkerSide {
  if (found !== undefined) return found;
  const bridge = registry<Partial<WorkerSide>>('bridge');
  const finder = registry<{ findTask?: WorkerSide['findTask'] }>('taskFinder');
  if (bridge?.encode === undefined || finder?.findTask === undefined) {
    throw new Error('@procpool/bullmq: this worker runs a procpool too old to run jobs');
  }
  return (found = { ...(bridge as WorkerSide), findTask: finder.findTask });
}

function place(via: string): Place {
  const name = registry<{ child?: { name: string } }>('processState')?.child?.name ?? 'worker';
  return { host: os.hostname(), pid: process.pid, name, via };
}

const reasonOf = (thrown: unknown): string =>
  thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : `a non-Error value was thrown: ${String(thrown)}`;

// `.v[2].x` of the outcome is `result[2].x` to the user; `.e.x` is `thrown value.x`.
const whereIn = (path: string): string =>
  path.startsWith('.v') ? `the result${path.slice(2)}` : `the thrown value${path.slice(2)}`;

function answer(side: WorkerSide, outcome: Outcome, via: string, bare = false): RunnerAnswer {
  try {
    const out = side.encode(outcome, whereIn, false);
    return outcome.ok ? { out, failed: false } : { out, failed: true, reason: reasonOf(outcome.e) };
  } catch (error) {
    // An error whose fields cannot be sent goes bare (class, message, stack), as from a Pool.
    if (!bare && !outcome.ok && outcome.e instanceof Error) {
      return answer(side, { ...outcome, e: side.bareError(outcome.e) }, via, true);
    }
    const e = side.unsendable(outcome.ok ? outcome.v : outcome.e, (error as Error).message);
    const failure: Outcome = { ok: false, e, i: outcome.ok ? 0 : outcome.i, at: place(via) };
    return { out: side.encode(failure, String, false), failed: true, reason: reasonOf(e) };
  }
}

// A task's stack ends where this runner called it: what lies below is procpool's.
function trimStack(thrown: unknown): void {
  if (!(thrown instanceof Error) || typeof thrown.stack !== 'string') return;
  const lines = thrown.stack.split('\n');
  const runner = lines.findIndex((line) => line.includes(__filename));
  if (runner <= 0) return;
  try {
    thrown.stack = lines.slice(0, runner).join('\n');
  } catch {
    // a frozen error keeps its stack
  }
}

/** Runs job `data` (the BullMQ worker `via` took it) and answers its encoded outcome. */
async function runJob(data: JobData, via: string): Promise<RunnerAnswer> {
  const side = workerSide();
  let index = 0;
  try {
    const fn = await side.findTask(data.d === true ? { m: data.m, n: data.n, d: true } : { m: data.m, n: data.n });
    const args = side.decode(data.a);
    if (!Array.isArray(args)) throw new TypeError(`job ${data.k === 'a' ? 'arguments' : 'items'} are not a list`);
    if (data.k === 'a') return answer(side, { ok: true, v: await fn(...args) }, via);
    const values: unknown[] = [];
    for (; index < args.length; index++) {
      const item: unknown = args[index];
      if (data.k === 's' && !Array.isArray(item)) throw new TypeError(`starmap item ${index} is not an argument list`);
      values.push(await (data.k === 'm' ? fn(item) : fn(...(item as unknown[]))));
    }
    return answer(side, { ok: true, v: values }, via);
  } catch (thrown) {
    trimStack(thrown);
    return answer(side, { ok: false, e: thrown, i: index, at: place(via) }, via);
  }
}

export = { runJob };
