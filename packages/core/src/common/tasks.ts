import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isEsmFile } from './module-format.js';
import type { WireTaskRef } from './protocol.js';
import { definedTasks } from './defined-tasks.js';
import { sharedRegistry } from './registry.js';

/** Any function, without `any`: every function type is assignable to it. */
export type AnyFunction = (...args: never[]) => unknown;

/**
 * What `defineTasks` accepts. Declared as a method so parameter types are
 * checked bivariantly: annotated tasks keep their types, and unannotated
 * parameters (plain JavaScript task modules) read as `unknown`, not `never`.
 */
export type TaskFunction = { task(...args: unknown[]): unknown }['task'];

declare const taskType: unique symbol;

/** A typed reference to an exported task function: module + export name. */
export interface TaskRef<F extends AnyFunction = AnyFunction> {
  readonly module: string;
  readonly name: string;
  /** Type-only: carries `F` so calls through the reference stay typed. */
  readonly [taskType]?: F;
}

/** What every method taking a task accepts: a registered function or a reference to one. */
export type TaskLike<F extends AnyFunction> = F | TaskRef<F>;

/** What a task call resolves to: the function's return value, awaited. */
export type TaskResult<F extends AnyFunction> = Awaited<ReturnType<F>>;

const registered = sharedRegistry('tasks', () => new WeakMap<AnyFunction, WireTaskRef>());

function normalizeModule(module: string | URL, what: string): string {
  if (module instanceof URL) return module.href;
  if (typeof module !== 'string' || module === '') {
    throw new TypeError(
      `Expected \`${what}\` to be a file URL, an absolute path or a package name, got \`${String(module)}\``,
    );
  }
  if (path.isAbsolute(module)) return pathToFileURL(module).href;
  if (module.startsWith('.')) {
    throw new TypeError(
      `Expected \`${what}\` to be a file URL, an absolute path or a package name, got the relative path \`${module}\`; ` +
        `use new URL('${module}', import.meta.url)`,
    );
  }
  return module;
}

/**
 * Records where each task function lives so a worker can import it, and
 * returns `tasks` unchanged (types kept).
 * @example
 * export const { square } = defineTasks(import.meta.url, { square: (x: number) => x * x });
 */
export function defineTasks<T extends Record<string, TaskFunction>>(moduleUrl: string | URL, tasks: T): T {
  const module = normalizeModule(moduleUrl, 'moduleUrl');
  const entries = Object.entries(tasks);
  for (const [name, fn] of entries) {
    if (typeof fn !== 'function') {
      throw new TypeError(`Expected task \`${name}\` to be a function, got \`${typeof fn}\``);
    }
  }
  let byName = definedTasks.get(module);
  if (byName === undefined) definedTasks.set(module, (byName = new Map<string, unknown>()));
  for (const [name, fn] of entries) {
    byName.set(name, fn);
    // A worker looks the name up in what the module registers, not among its
    // exports: `export const add` beside `defineTasks(…, { add })` is another function.
    registered.set(fn, { m: module, n: name, d: true });
  }
  return tasks;
}

/**
 * A typed reference to export `name` of `module` (a file URL, absolute path or package name).
 * @example
 * const square = taskRef<(x: number) => number>(new URL('./tasks.js', import.meta.url), 'square');
 */
export function taskRef<F extends AnyFunction = (...args: unknown[]) => unknown>(
  module: string | URL,
  name: string,
): TaskRef<F> {
  if (typeof name !== 'string' || name === '') {
    throw new TypeError(`Expected \`name\` to be an export name, got \`${String(name)}\``);
  }
  return Object.freeze({ module: normalizeModule(module, 'module'), name });
}

const isTaskRef = (value: unknown): value is TaskRef =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as TaskRef).module === 'string' &&
  typeof (value as TaskRef).name === 'string';

const HOW_TO_FIX =
  'register it with defineTasks(import.meta.url, { ... }) in a module the worker can import, ' +
  "pass taskRef(moduleUrl, 'name') or a 'module#export' string, " +
  'or export it from the main module and guard the entry point with isMainProcess()';

// Where the main module is: workers import it to find plain functions it exports.
function mainModule(): { file: string; cjsExports: unknown } | null {
  const main = process.argv[1];
  if (main === undefined || main === '') return null;
  const require = createRequire(import.meta.url);
  let file = path.resolve(main);
  try {
    file = require.resolve(file);
  } catch {
    // not resolvable as CommonJS: an ES module, looked up by name in the worker
  }
  const cjs = require.cache[file];
  return { file, cjsExports: cjs === undefined ? undefined : cjs.exports };
}

// A CommonJS main module's exports can be searched now, by identity. An ES
// module's namespace cannot be read synchronously (and importing it while its
// top-level await runs would deadlock), so the function's own name is used and
// the worker checks that the main module really exports it.
function resolveMainFunction(fn: AnyFunction): WireTaskRef {
  const main = mainModule();
  const fail = (): TypeError => new TypeError(`Cannot send function \`${fn.name}\` to a worker: ${HOW_TO_FIX}`);
  if (main === null) throw fail();
  let ref: WireTaskRef;
  if (main.cjsExports === undefined) {
    // Never send a worker to import a main module that is not the user's ES module.
    if (!isEsmFile(main.file)) throw fail();
    ref = { m: pathToFileURL(main.file).href, n: fn.name };
  } else {
    const { cjsExports } = main;
    const name =
      cjsExports === fn
        ? 'default'
        : typeof cjsExports === 'object' && cjsExports !== null
          ? Object.keys(cjsExports).find((key) => (cjsExports as Record<string, unknown>)[key] === fn)
          : undefined;
    if (name === undefined) throw fail();
    ref = { m: pathToFileURL(main.file).href, n: name };
  }
  registered.set(fn, ref);
  return ref;
}

// 'module#export' strings seen, resolved once (a path becomes a file URL): a
// caller passes the same few strings again and again. Bounded: cleared when full.
const stringRefs = new Map<string, WireTaskRef>();
const STRING_REFS_KEPT = 1024;

function resolveTaskString(fn: string): WireTaskRef {
  const hash = fn.lastIndexOf('#');
  if (hash <= 0 || hash === fn.length - 1) {
    throw new TypeError(`Expected a task string of the form 'module#export', got \`${fn}\``);
  }
  const ref = { m: normalizeModule(fn.slice(0, hash), 'module'), n: fn.slice(hash + 1) };
  if (stringRefs.size >= STRING_REFS_KEPT) stringRefs.clear();
  stringRefs.set(fn, ref);
  return ref;
}

/** Turns a task into the wire reference, or throws a TypeError that says how to fix it. */
export function resolveTask(fn: unknown): WireTaskRef {
  if (typeof fn === 'function') {
    const known = registered.get(fn as AnyFunction);
    if (known !== undefined) return known;
    if (fn.name === '' || fn.name.startsWith('bound ')) {
      throw new TypeError(`Cannot send an anonymous or bound function to a worker: ${HOW_TO_FIX}`);
    }
    return resolveMainFunction(fn as AnyFunction);
  }
  if (typeof fn === 'string') return stringRefs.get(fn) ?? resolveTaskString(fn);
  if (isTaskRef(fn)) return { m: fn.module, n: fn.name };
  throw new TypeError(`Expected a task function, a taskRef or a 'module#export' string, got \`${String(fn)}\``);
}
