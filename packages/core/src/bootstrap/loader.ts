import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isEsmFile } from '../module-format.js';
import { TS_FILE, ensureTypeScript } from './typescript.js';

const requireHere = createRequire(import.meta.url);

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
const functions = new Map<string, (...args: unknown[]) => unknown>();

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
// Everything else (ES modules, TypeScript through ts-node, `node:` and `data:` URLs) is imported.
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
  return import(target) as Promise<Record<string, unknown>>;
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
export function findTask(
  specifier: string,
  name: string,
): ((...args: unknown[]) => unknown) | Promise<(...args: unknown[]) => unknown> {
  const key = `${specifier}#${name}`;
  return functions.get(key) ?? loadTask(specifier, name, key);
}

async function loadTask(specifier: string, name: string, key: string): Promise<(...args: unknown[]) => unknown> {
  const namespace = await importModule(specifier);
  let fn = namespace[name];
  // A CommonJS module's exports arrive as `default` when Node cannot see them statically.
  if (fn === undefined && typeof namespace.default === 'object' && namespace.default !== null) {
    fn = (namespace.default as Record<string, unknown>)[name];
  }
  if (typeof fn !== 'function') {
    throw new TypeError(
      fn === undefined
        ? `Task module ${specifier} has no export named '${name}'; a function sent by value must be ` +
            'exported under its own name by that module (or registered with defineTasks)'
        : `Export '${name}' of ${specifier} is not a function (got ${typeof fn})`,
    );
  }
  functions.set(key, fn as (...args: unknown[]) => unknown);
  return fn as (...args: unknown[]) => unknown;
}
