import { existsSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { TS_FILE, registerTsNode } from './ts-node.js';

type LoadFile = (module: NodeJS.Module, filename: string) => unknown;
let prepared = false;

// Node 20 cannot load .ts by itself, and whether a loader the worker was
// started with (fork passes the parent's flags on) can is known only by
// trying: for import(), hooks that fall back to ts-node when the loaders
// before them fail on a file; for require(), ts-node when a file reaches
// Node's .js handler and no loader has claimed .ts. ts-node and TypeScript
// load only when a file needs them. (docs/tasks.md, TypeScript)
export function ensureTypeScript(): void {
  if (prepared) return;
  prepared = true;
  const { extensions } = createRequire(import.meta.url);
  if (extensions['.ts'] === undefined) claimTypeScriptRequires(extensions);
  // Beside the bundle, or beside this file in tsc's output.
  const hooks = [
    new URL('./bootstrap/typescript-hooks.mjs', import.meta.url),
    new URL('./typescript-hooks.js', import.meta.url),
  ];
  register(hooks.find((url) => existsSync(url)) as URL);
}

// ts-node wraps what it finds in require.extensions (and .js for .cts and
// .mts), so these stand-ins register it on the first TypeScript file, then
// pass every file on to Node's .js handler as if they were not there.
function claimTypeScriptRequires(extensions: NodeJS.RequireExtensions): void {
  const loadJs = extensions['.js'] as LoadFile;
  let registered = false;
  const standIn =
    (extension: string) =>
    (module: NodeJS.Module, filename: string): unknown => {
      if (registered || !TS_FILE.test(filename)) return loadJs(module, filename);
      registerTsNode(); // throws for every TypeScript file while TypeScript is unusable
      registered = true;
      return (extensions[extension] as LoadFile)(module, filename);
    };
  extensions['.ts'] = standIn('.ts');
  extensions['.js'] = standIn('.js');
}
