// ts-node, as a worker registers it: transpile-only, with module and
// moduleResolution NodeNext (what Node 20 needs). Used on both sides of a
// worker's module loading: its main thread (require) and Node's hooks thread (import).
import { createRequire, type LoadHook, type ResolveHook } from 'node:module';

/** A file name ts-node compiles. */
export const TS_FILE = /\.[cm]?tsx?$/;

interface TsNode {
  register(options: object): unknown;
  createEsmHooks(service: unknown): { resolve: ResolveHook; load: LoadHook };
}

const requireHere = createRequire(import.meta.url);
const tsNode = (): TsNode => requireHere('ts-node') as TsNode;

/** Registers ts-node's require() hooks in this thread. */
export function registerTsNode(): unknown {
  process.env.TS_NODE_TRANSPILE_ONLY ??= 'true';
  process.env.TS_NODE_COMPILER_OPTIONS ??= JSON.stringify({ module: 'NodeNext', moduleResolution: 'NodeNext' });
  return tsNode().register({ transpileOnly: true });
}

/** ts-node's hooks for Node's ES module loader, over a service of this thread. */
export function createTsNodeEsmHooks(): { resolve: ResolveHook; load: LoadHook } {
  const service = registerTsNode(); // first: ts-node reads its environment variables when it loads
  return tsNode().createEsmHooks(service);
}
