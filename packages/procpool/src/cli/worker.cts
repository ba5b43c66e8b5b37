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

/** Run by the pool as its initializer: output lines are the parent's, on its stdout. */
function prepareWorker(): void {
  // The first SIGINT of a terminal's Ctrl-C reaches the whole process group;
  // the parent decides what a running task does (finish, or be killed).
  process.on('SIGINT', () => {});
  // A task's console.log goes to stderr: stdout carries the JSON lines.
  const stderr = process.stderr;
  Object.defineProperty(process, 'stdout', { configurable: true, enumerable: true, get: () => stderr });
}

/** Loads the task once, so a module or export that cannot be found is a usage error before any input runs. */
async function checkTask(module: string, name: string): Promise<void> {
  await findTask()({ m: module, n: name });
}

function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) {
    let thrown: unknown;
    try {
      thrown = JSON.parse(JSON.stringify(error ?? null) ?? 'null');
    } catch {
      thrown = String(error);
    }
    return { name: 'NonError', message: `a non-Error value was thrown: ${String(error)}`, thrown };
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

/**
 * Runs the task on each line, one after the other, and answers each with the
 * JSON text that follows `"index":N,` in its output line: `"value":…` or
 * `"error":{…}`. Values are written with JSON.stringify (undefined as null).
 */
async function runLines(module: string, name: string, lines: string[], input: Input): Promise<string[]> {
  const fn = await findTask()({ m: module, n: name });
  const answers: string[] = [];
  for (const line of lines) {
    try {
      const value = await fn(...argumentsOf(line, input));
      answers.push(`"value":${JSON.stringify(value) ?? 'null'}`);
    } catch (error) {
      answers.push(`"error":${JSON.stringify(describeError(error))}`);
    }
  }
  return answers;
}

export = { prepareWorker, checkTask, runLines };
