import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { WireTaskRef } from './protocol.js';

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

const registered = new WeakMap<AnyFunction, WireTaskRef>();

function normalizeModule(module: string | URL, what: string): string {
  if (module instanceof URL) return module.href;
  if (typeof module !== 'string' || module === '') {
    throw new TypeError(`Expected \`${what}\` to be a file URL, an absolute path or a package name, got \`${String(module)}\``);
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
  for (const [name, fn] of Object.entries(tasks)) {
    if (typeof fn !== 'function') {
      throw new TypeError(`Expected task \`${name}\` to be a function, got \`${typeof fn}\``);
    }
    registered.set(fn as AnyFunction, { m: module, n: name });
  }
  return tasks;
}

/**
 * A typed reference to export `name` of `module` (a file URL, absolute path or package name).
 * @example
 * const square = taskRef<(x: number) => number>(new URL('./tasks.js', import.meta.url), 'square');
 */
export function taskRef<F extends AnyFunction = (...args: unknown[]) => unknown>(module: string | URL, name: string): TaskRef<F> {
  if (typeof name !== 'string' || name === '') {
    throw new TypeError(`Expected \`name\` to be an export name, got \`${String(name)}\``);
  }
  return Object.freeze({ module: normalizeModule(module, 'module'), name });
}

const isTaskRef = (value: unknown): value is TaskRef =>
  typeof value === 'object' && value !== null &&
  typeof (value as TaskRef).module === 'string' && typeof (value as TaskRef).name === 'string';

const HOW_TO_FIX =
  'register it with defineTasks(import.meta.url, { ... }) in a module the worker can import, ' +
  "pass taskRef(moduleUrl, 'name') or a 'module#export' string, " +
  'or export it from the main module and guard the entry point with isMainProcess()';

/**
 * Turns a task into the wire reference, synchronously where it can: `null`
 * means "a named plain function", to be looked up among the main module's exports.
 */
export function resolveTaskSync(fn: unknown): WireTaskRef | null {
  if (typeof fn === 'function') {
    const known = registered.get(fn as AnyFunction);
    if (known !== undefined) return known;
    if (fn.name === '' || fn.name.startsWith('bound ')) {
      throw new TypeError(`Cannot send an anonymous or bound function to a worker: ${HOW_TO_FIX}`);
    }
    return null;
  }
  if (typeof fn === 'string') {
    const hash = fn.lastIndexOf('#');
    if (hash <= 0 || hash === fn.length - 1) {
      throw new TypeError(`Expected a task string of the form 'module#export', got \`${fn}\``);
    }
    return { m: normalizeModule(fn.slice(0, hash), 'module'), n: fn.slice(hash + 1) };
  }
  if (isTaskRef(fn)) return { m: fn.module, n: fn.name };
  throw new TypeError(`Expected a task function, a taskRef or a 'module#export' string, got \`${String(fn)}\``);
}

let mainExports: Promise<Map<unknown, string> | null> | undefined;

// The main module is already loaded, so importing it again only hands back its namespace.
function loadMainExports(): Promise<Map<unknown, string> | null> {
  const main = process.argv[1];
  if (main === undefined) return Promise.resolve(null);
  mainExports ??= import(pathToFileURL(main).href).then(
    (namespace: Record<string, unknown>) => {
      const byValue = new Map<unknown, string>();
      for (const [name, value] of Object.entries(namespace)) if (!byValue.has(value)) byValue.set(value, name);
      return byValue;
    },
    () => null,
  );
  return mainExports;
}

/** Finds a plain function among the main module's exports, or explains how to make it sendable. */
export async function resolveMainExport(fn: AnyFunction): Promise<WireTaskRef> {
  const exports = await loadMainExports();
  const name = exports?.get(fn);
  const main = process.argv[1];
  if (name === undefined || main === undefined) {
    throw new TypeError(`Cannot send function \`${fn.name}\` to a worker: ${HOW_TO_FIX}`);
  }
  const ref = { m: pathToFileURL(main).href, n: name };
  registered.set(fn, ref);
  return ref;
}
