// ts-node, as a worker registers it: transpile-only, with module and
// moduleResolution NodeNext (what Node 20 needs). Used on both sides of a
// worker's module loading: its main thread (require) and Node's hooks thread (import).
import { createRequire, type LoadHook, type ResolveHook } from 'node:module';
import path from 'node:path';

/** A file name ts-node compiles. */
export const TS_FILE = /\.[cm]?tsx?$/;
/** The TypeScript versions ts-node 10.9 works with; the peer range of @procpool/core. */
const WORKING_TYPESCRIPT = '>=5 <7';

interface TsNode {
  register(options: object): unknown;
  createEsmHooks(service: unknown): { resolve: ResolveHook; load: LoadHook };
}

// Made on first use: most workers never load a TypeScript file.
let requireFromHere: NodeJS.Require | undefined;
const requireHere = (): NodeJS.Require => (requireFromHere ??= createRequire(import.meta.url));
const tsNode = (): TsNode => requireHere()('ts-node') as TsNode;

/** Registers ts-node's require() hooks in this thread; throws a clear error when TypeScript is unusable. */
export function registerTsNode(): unknown {
  process.env.TS_NODE_TRANSPILE_ONLY ??= 'true';
  process.env.TS_NODE_COMPILER_OPTIONS ??= JSON.stringify({ module: 'NodeNext', moduleResolution: 'NodeNext' });
  try {
    return tsNode().register({ transpileOnly: true });
  } catch (error) {
    throw explainFailure(error);
  }
}

/** ts-node's hooks for Node's ES module loader, over a service of this thread. */
export function createTsNodeEsmHooks(): { resolve: ResolveHook; load: LoadHook } {
  const service = registerTsNode(); // first: ts-node reads its environment variables when it loads
  return tsNode().createEsmHooks(service);
}

// ts-node reports a TypeScript without a JavaScript API (TypeScript 7 is a
// native program) as "Cannot read properties of undefined (reading
// 'fileExists')", and a missing one with a require stack: say what to install.
function explainFailure(error: unknown): unknown {
  const fix =
    `Install a version in ${WORKING_TYPESCRIPT} (npm install --save-dev typescript@6), or start the workers ` +
    "with a loader that handles .ts files (fork passes the parent's flags on: node --import tsx main.ts)";
  // Where ts-node looks first (configuration.ts, resolveAndLoadCompiler): the project, then beside itself.
  const project = path.resolve(process.env.TS_NODE_CWD ?? process.env.TS_NODE_DIR ?? process.cwd());
  const name = process.env.TS_NODE_COMPILER ?? 'typescript';
  let file: string;
  try {
    file = requireHere().resolve(name, { paths: [project, path.dirname(requireHere().resolve('ts-node'))] });
  } catch {
    return new TypeError(
      `Cannot load TypeScript task modules: ts-node needs the \`${name}\` package, which is not installed. ${fix}`,
      { cause: error },
    );
  }
  const ts = requireHere()(file) as { version?: unknown; sys?: unknown; transpileModule?: unknown };
  if (typeof ts.transpileModule === 'function' && ts.sys !== undefined) return error;
  const version = typeof ts.version === 'string' ? ts.version : '(of unknown version)';
  return new TypeError(
    `Cannot load TypeScript task modules: ts-node needs TypeScript's JavaScript API, which ` +
      `TypeScript ${version} (${file}) does not have. ${fix}`,
    { cause: error },
  );
}
