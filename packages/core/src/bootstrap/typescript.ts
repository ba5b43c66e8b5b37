import { createRequire, register } from 'node:module';

export const TS_FILE = /\.[cm]?tsx?$/;
const LOADER_FLAG = /(^|\s)(--loader|--experimental-loader|--import|--require|-r)\b/;
let tsRegistered = false;
const requireHere = createRequire(import.meta.url);

// Node 20 cannot load .ts by itself. A parent started with a loader (fork passes
// its flags on) is trusted to handle it; otherwise ts-node is registered,
// transpile-only, for both CommonJS and ESM task modules.
export function ensureTypeScript(): void {
  if (tsRegistered) return;
  tsRegistered = true;
  const flags = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
  if (LOADER_FLAG.test(flags)) return;
  process.env.TS_NODE_TRANSPILE_ONLY ??= 'true';
  process.env.TS_NODE_COMPILER_OPTIONS ??= JSON.stringify({ module: 'NodeNext', moduleResolution: 'NodeNext' });
  (requireHere('ts-node') as { register: (options: object) => void }).register({ transpileOnly: true });
  register('ts-node/esm', import.meta.url);
}
