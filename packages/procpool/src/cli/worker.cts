// What `procpool map` runs in its pool's workers. CommonJS, and no import of
// procpool: a worker loads it as a task module at the cost of one require.
// The user's function is found by the worker's own procpool (its task loader,
// through a registry on globalThis), so TypeScript modules, CommonJS, ES
// modules and package names load exactly as they do for any pool task.

type TaskFn = (...args: unknown[]) => unknown;
type FindTask = (ref: { m: string; n: string }) => TaskFn | Promise<TaskFn>;

/** How each input line becomes the task's arguments: 'json', 'lines' (the text) or 'spread' (a JSON array). */
type Input = 'json' | 'lines' | 'spread';

function findTask(): FindTask {
  const registry = (globalThis as Record<symbol, { findTask?: FindTask } | undefined>)[
    Symbol.for('procpool.registry.taskFinder')
  ];
  if (registry?.findTask === undefined) throw new Error('procpool map: this worker has no procpool task loader');
  return registry.findTask;
}

// Set by the initializer: every task of this worker runs the same export.
let task: { module: string; name: string; input: Input } | undefined;

/** Run by the pool as its initializer. */
function prepareWorker(module: string, name: string, input: Input): void {
  task = { module, name, input };
}

/** Loads the task once, so a module or export that cannot be found is a usage error before any input runs. */
async function checkTask(): Promise<void> {
  await findTask()({ m: task!.module, n: task!.name });
}

function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) {
    let thrown: unknown;
    try {
      thrown = JSON.parse(JSON.stringify(error ?? null) ?? 'null');
    } catch {
      thrown = String(error);
    }
    const message = `a non-Error value was thrown: ${String(error)}`;
    return { name: 'NonError', message, stack: `NonError: ${message}`, thrown };
  }
  const described: Record<string, unknown> = { name: error.name, message: error.message, stack: error.stack };
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') described.code = code;
  return described;
}

function argumentsOf(line: string, input: Input): unknown[] {
  if (input === 'lines') return [line];
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new SyntaxError(`input line is not JSON: ${(error as Error).message}`);
  }
  if (input === 'json') return [value];
  if (!Array.isArray(value)) throw new TypeError('--spread needs each input line to be a JSON array of arguments');
  return value;
}

const errorAnswer = (error: unknown): string => `"error":${JSON.stringify(describeError(error))}`;

// JSON.stringify throws for a BigInt or a cycle: that line fails, not the chunk.
function valueAnswer(value: unknown): string {
  try {
    return `"value":${JSON.stringify(value) ?? 'null'}`;
  } catch (error) {
    return errorAnswer(error);
  }
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as { then?: unknown } | null)?.then === 'function';

let found: TaskFn | undefined;

/**
 * Runs the task on each line, one after the other, and answers each with the
 * JSON text that follows `"index":N,` in its output line: `"value":…` or
 * `"error":{…}`. Values are written with JSON.stringify (undefined as null).
 * Synchronous while the task is (the pool's worker then answers without a
 * promise per task); from the first promise a task returns, asynchronous.
 */
function runLines(lines: string[]): string[] | Promise<string[]> {
  if (found === undefined) {
    return Promise.resolve(findTask()({ m: task!.module, n: task!.name })).then((fn) => {
      found = fn;
      return runLines(lines);
    });
  }
  const answers: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    let value: unknown;
    try {
      value = found(...argumentsOf(lines[i]!, task!.input));
    } catch (error) {
      answers.push(errorAnswer(error));
      continue;
    }
    if (isThenable(value)) return finishLines(lines, i, value, answers);
    answers.push(valueAnswer(value));
  }
  return answers;
}

async function finishLines(
  lines: string[],
  from: number,
  pending: PromiseLike<unknown>,
  answers: string[],
): Promise<string[]> {
  for (let i = from; i < lines.length; i++) {
    try {
      const value = await (i === from ? pending : found!(...argumentsOf(lines[i]!, task!.input)));
      answers.push(valueAnswer(value));
    } catch (error) {
      answers.push(errorAnswer(error));
    }
  }
  return answers;
}

export = { prepareWorker, checkTask, runLines };
