// Module hooks a worker registers when it first imports a TypeScript task
// module. They run before any hooks already there (a loader the worker was
// started with) and hand a file to ts-node only when the rest of the chain
// cannot load it, so a worker never asks ts-node about a file another loader
// handles, and never imports a module twice. (docs/tasks.md, TypeScript)
import type { LoadFnOutput, LoadHook, ResolveHook } from 'node:module';
import { TS_FILE, createTsNodeEsmHooks } from './ts-node.js';

let tsNodeHooks: Promise<{ resolve: ResolveHook; load: LoadHook }> | undefined;
// Loaded on first need; a failure (an unusable TypeScript) is kept and thrown again for every file.
const tsNode = (): Promise<{ resolve: ResolveHook; load: LoadHook }> =>
  (tsNodeHooks ??= Promise.resolve().then(createTsNodeEsmHooks));
const codeOf = (error: unknown): unknown => (error as { code?: unknown } | null)?.code;

// `./helper.js` written in a .ts file for helper.ts: Node's own resolution does not map it.
export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (codeOf(error) !== 'ERR_MODULE_NOT_FOUND' || !TS_FILE.test(context.parentURL ?? '')) throw error;
    try {
      return await (await tsNode()).resolve(specifier, context, nextResolve);
    } catch {
      throw error;
    }
  }
};

export const load: LoadHook = async (url, context, nextLoad) => {
  if (!TS_FILE.test(new URL(url).pathname)) return nextLoad(url, context);
  let loaded: LoadFnOutput;
  try {
    loaded = await nextLoad(url, context);
  } catch (error) {
    if (codeOf(error) !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
    return (await tsNode()).load(url, context, nextLoad);
  }
  // Node's own type stripping (22.6 and later) is no TypeScript loader: no
  // enums, no tsconfig. ts-node stays in charge of these files, and decides their format.
  if (typeof loaded.format === 'string' && loaded.format.endsWith('-typescript')) {
    return (await tsNode()).load(url, { ...context, format: undefined }, nextLoad);
  }
  return loaded;
};
