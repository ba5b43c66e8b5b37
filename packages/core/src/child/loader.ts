import { createRequire } from 'node:module';
import '../common/bridge.js';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { definedTasks } from '../common/defined-tasks.js';
import { isEsmFile } from '../common/module-format.js';
import type { WireTaskRef } from '../common/protocol.js';
import { sharedRegistry } from '../common/registry.js';
import { TS_FILE } from './ts-node.js';
import { ensureTypeScript } from './typescript.js';

const requireHere = createRequire(import.meta.url);
type Exports = Record<string, unknown>;
// import() works only in code Node compiled itself; a worker started from the
// V8 snapshot or compiled with a code cache is handed a function that can
// (packages/core/snapshot-entry.cjs, code-cache-entry.cjs).
const workerEntry = sharedRegistry<{ importModule?: (specifier: string) => Promise<Exports> }>(
  'workerEntry',
  () => ({}),
);

// Bare package names resolve from the worker's cwd, as they would for a script run there.
function toImportable(specifier: string): string {
  if (specifier.startsWith('file:') || specifier.startsWith('node:') || specifier.startsWith('data:')) {
    return specifier;
  }
  if (path.isAbsolute(specifier)) return pathToFileURL(specifier).href;
  try {
    return pathToFileURL(createRequire(path.join(process.cwd(), 'noop.js')).resolve(specifier)).href;
  } catch {
    return specifier;
  }
}

const modules = new Map<string, Promise<Record<string, unknown>>>();
let observeImport: (phase: 'importing' | 'imported', specifier: string) => void = () => {};

/** Tells the parent when a task module starts and ends loading, so it can tell import crashes from task crashes. */
export function onImport(observer: typeof observeImport): void {
  observeImport = observer;
}
type TaskFn = (...args: unknown[]) => unknown;
const functions = new Map<string, TaskFn>();

function importModule(specifier: string): Promise<Record<string, unknown>> {
  let loaded = modules.get(specifier);
  if (loaded === undefined) {
    const target = toImportable(specifier);
    const isTypeScript = TS_FILE.test(new URL(target, 'file:///').pathname);
    if (isTypeScript) ensureTypeScript();
    observeImport('importing', specifier);
    loaded = load(target, isTypeScript).finally(() => observeImport('imported', specifier));
    modules.set(specifier, loaded);
  }
  return loaded;
}

// A CommonJS file is required, as Node would run it: import() would start Node's
// ES module loader, ~8 ms of CPU and ~1.5 MiB per worker, for nothing.
// Everything else (ES modules, TypeScript, `node:` and `data:` URLs) is imported.
function load(target: string, isTypeScript: boolean): Promise<Record<string, unknown>> {
  if (target.startsWith('file:') && !isTypeScript) {
    const file = fileURLToPath(target);
    if (!isEsmFile(file)) {
      try {
        const exported: unknown = requireHere(file);
        return Promise.resolve(
          (typeof exported === 'object' && exported !== null) || typeof exported === 'function'
            ? (exported as Record<string, unknown>)
            : { default: exported },
        );
      } catch (error) {
        if (!refusedUnrun(error, file)) return Promise.reject(error);
      }
    }
  }
  const importer = workerEntry.importModule;
  return importer === undefined ? (import(target) as Promise<Exports>) : importer(target);
}

// A .js file of a package without "type" may hold ES module syntax, which Node
// (20.19 and later) detects; with top-level await, require() refuses it and
// import() is the way. Only when none of the file ran, though: the same error
// from a module the file requires leaves the file half run, and importing it
// would run its top level a second time (its own frames are then on the stack).
function refusedUnrun(error: unknown, file: string): boolean {
  if ((error as { code?: unknown } | null)?.code !== 'ERR_REQUIRE_ASYNC_MODULE') return false;
  const frames = String((error as { stack?: unknown }).stack).split('\n');
  return !frames.some((line) => line.trimStart().startsWith('at ') && line.includes(`${file}:`));
}

/** The function a task names; cached, so only the first call per task awaits. */
export function findTask(ref: WireTaskRef): TaskFn | Promise<TaskFn> {
  const key = `${ref.d === true ? 'defined' : 'export'} ${ref.m}#${ref.n}`;
  return functions.get(key) ?? loadTask(ref, key);
}

// The procpool command's worker module (packages/procpool/src/cli/worker.cts)
// runs a user's export through this, without a copy of procpool of its own.
sharedRegistry<{ findTask?: typeof findTask }>('taskFinder', () => ({})).findTask = findTask;

// A CommonJS module's exports arrive as `default` when Node cannot see them statically.
function exportNamed(namespace: Record<string, unknown>, name: string): unknown {
  const direct = namespace[name];
  if (direct !== undefined || typeof namespace.default !== 'object' || namespace.default === null) return direct;
  return (namespace.default as Record<string, unknown>)[name];
}

// A registered task is looked up in what its module registered (where the
// parent found it), an export name among the exports; each then tries the
// other, so a taskRef or 'module#name' also reaches a task registered in an
// object export, and a module registering tasks that another module exports still works.
async function loadTask(ref: WireTaskRef, key: string): Promise<TaskFn> {
  const { m: specifier, n: name } = ref;
  const namespace = await importModule(specifier);
  const registered = definedTasks.get(specifier)?.get(name);
  const exported = exportNamed(namespace, name);
  const fn =
    ref.d === true ? (registered ?? (typeof exported === 'function' ? exported : undefined)) : (exported ?? registered);
  if (typeof fn !== 'function') {
    throw new TypeError(
      fn !== undefined
        ? `Export '${name}' of ${specifier} is not a function (got ${typeof fn})`
        : ref.d === true
          ? `Task '${name}' was registered with defineTasks for ${specifier} in the parent, but importing ` +
            'that module in the worker registered no task of that name, and it exports none'
          : `Task module ${specifier} has no export named '${name}'; a function sent by value must be ` +
            'exported under its own name by that module (or registered with defineTasks)',
    );
  }
  functions.set(key, fn as TaskFn);
  return fn as TaskFn;
}
