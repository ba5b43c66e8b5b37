// After tsc: bundles the package into dist/bundle as three CommonJS files and
// three small entries over them:
//
//   procpool.cjs        what a worker needs: tasks, codecs, errors, the channel,
//                       process info, and the bootstrap (run only on request)
//   connection.cjs      Connection, Pipe, Listener, Client and wait(): loaded
//                       on first use, or in a child when one is handed to it
//   pool.cjs            what only a parent needs: Pool and its machinery
//   index.cjs           require('@procpool/core'): the public API, with the
//                       names of pool.cjs and connection.cjs loading them on first use
//   index.js            import '@procpool/core': the same object's names
//   bootstrap/main.cjs  a worker's entry
//   bootstrap/typescript-hooks.mjs
//                       the module hooks a worker registers for its first
//                       TypeScript task module (Node loads hooks as modules of their own)
//
// connection.cjs and pool.cjs reach every module of procpool.cjs through that
// file, and pool.cjs reaches connection.cjs's the same way, so each module exists once.
//
// Why CommonJS: a worker whose task module is CommonJS then never starts Node's
// ES module loader (~8 ms of CPU and ~1.5 MiB each). Why three files: a worker
// does not compile or initialize the parent's half (~3 ms of CPU each in D),
// nor Connection's code unless it uses it (~5 ms of CPU and ~1.5 MiB each in
// S). Why a single instance: require and import, the bootstrap and the task
// module all share registries, classes and `instanceof`. (docs/performance.md)
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const OUT = 'dist/bundle';
// Stale files of earlier builds must not linger.
rmSync(OUT, { recursive: true, force: true });

// Which side a module runs on is where it lives: src/parent (the user's
// process only), src/child (a worker only), src/common (both). The public
// names of parent modules are served by pool.cjs, the rest by procpool.cjs.
const modulesUnder = (dir) =>
  readdirSync(dir, { recursive: true })
    .filter((file) => file.endsWith('.js'))
    .map((file) => `${dir}/${file}`)
    .sort();
const PARENT_MODULES = modulesUnder('dist/parent');
// Connection's modules go to connection.cjs; its errors stay in procpool.cjs
// (small), where the error codec finds them in a parent that never loaded the rest.
const isConnection = (file) =>
  (file.startsWith('dist/common/connection/') && file !== 'dist/common/connection/errors.js') ||
  file === 'dist/common/wait.js';
const CONNECTION_MODULES = modulesUnder('dist/common').filter(isConnection);
const WORKER_MODULES = modulesUnder('dist/common').filter((file) => !isConnection(file));
const BOOTSTRAP = 'dist/child/main.js';

const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: ['ts-node', 'typescript'],
  // `import.meta.url` of any bundled module is its bundle file's URL.
  define: { 'import.meta.url': '__procpoolModuleUrl' },
  banner: { js: '"use strict";\nconst __procpoolModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
  logLevel: 'warning',
  metafile: true,
};
const virtual = (contents) => ({ contents, resolveDir: '.', sourcefile: 'entry.js', loader: 'js' });

const publicNames = Object.keys(await import('./dist/index.js')).sort();
const exportsOf = async (files) =>
  new Map(
    await Promise.all(
      files.map(async (file) => [
        file,
        Object.keys(await import(`./${file}`)).filter((name) => publicNames.includes(name)),
      ]),
    ),
  );
// A name re-exported by a second module (channel.js re-exports reader.js's
// ProtocolError) is the same binding: it is served from the first module only.
const served = new Set();
const withNames = (exported) =>
  new Map(
    [...exported]
      .map(([file, names]) => [file, names.filter((name) => !served.has(name) && served.add(name))])
      .filter(([, names]) => names.length > 0),
  );
const parentExports = withNames(await exportsOf(PARENT_MODULES));
const workerExports = withNames(await exportsOf(WORKER_MODULES));
const connectionExports = withNames(await exportsOf(CONNECTION_MODULES));
const namesOf = (exported) => new Set([...exported.values()].flat());
const parentNames = namesOf(parentExports);
const connectionNames = namesOf(connectionExports);
const workerNames = namesOf(workerExports);
const missing = publicNames.filter(
  (name) => !parentNames.has(name) && !connectionNames.has(name) && !workerNames.has(name),
);
if (missing.length > 0)
  throw new Error(`${missing.join(', ')}: public, but not exported from src/parent or src/common`);
const reexport = (exported) =>
  [...exported].map(([file, names]) => `export { ${names.join(', ')} } from './${file}';\n`).join('');

// procpool.cjs: the public worker-side names as `api`, each of its modules
// as `internals` (for pool.cjs), and the bootstrap behind startWorker():
// esbuild wraps a module reached through require() in a lazy initializer. A
// first pass finds which modules it holds.
// A bundle's entry: its public names as `api`, each of `internals` by file.
const apiAndInternals = (internals) =>
  `import * as api from './worker-api';\nexport { api };\n` +
  internals.map((file, i) => `import * as m${i} from './${file}';\n`).join('') +
  `export const internals = {\n${internals.map((file, i) => `  ${JSON.stringify(file)}: m${i},\n`).join('')}};\n`;
const workerEntry = (internals) =>
  apiAndInternals(internals) + `export function startWorker() {\n  require('./${BOOTSTRAP}');\n}\n`;
const apiOf = (exported) => ({
  name: 'api',
  setup(build) {
    build.onResolve({ filter: /^\.\/worker-api$/ }, () => ({ path: 'worker-api', namespace: 'api' }));
    build.onLoad({ filter: /.*/, namespace: 'api' }, () => ({
      contents: reexport(exported),
      resolveDir: '.',
      loader: 'js',
    }));
  },
});
const workerApi = apiOf(workerExports);
// connection.cjs is external to the other bundles.
const connectionExternal = {
  name: 'connection-external',
  setup(build) {
    build.onResolve({ filter: /^\.\/connection\.cjs$/ }, () => ({ path: './connection.cjs', external: true }));
  },
};
const heldByConnection = new Set(CONNECTION_MODULES.map((file) => path.resolve(file)));
// In procpool.cjs, `import()` of a Connection module (the child's loader,
// codec/transfers.ts) reads it from connection.cjs; any other import of one
// would put it back into every worker.
const lazyConnection = {
  name: 'lazy-connection',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      const file = path.resolve(args.resolveDir, args.path);
      if (!heldByConnection.has(file)) return undefined;
      if (args.kind !== 'dynamic-import')
        throw new Error(`procpool.cjs would hold ${path.relative('.', file)} (imported by ${args.importer})`);
      return { path: path.relative('.', file), namespace: 'connection' };
    });
    build.onLoad({ filter: /.*/, namespace: 'connection' }, (args) => ({
      contents: `module.exports = require('./connection.cjs').internals[${JSON.stringify(args.path)}];\n`,
      resolveDir: path.resolve(OUT),
      loader: 'js',
    }));
  },
};
const probe = await build({
  ...common,
  write: false,
  outfile: `${OUT}/procpool.cjs`,
  stdin: virtual(workerEntry([])),
  plugins: [workerApi, connectionExternal, lazyConnection],
});
const shared = Object.keys(probe.metafile.inputs).filter((file) => file.startsWith('dist/') && file !== BOOTSTRAP);
const leakedParent = shared.filter((file) => file.startsWith('dist/parent/'));
if (leakedParent.length > 0) throw new Error(`procpool.cjs would hold parent modules: ${leakedParent.join(', ')}`);
await build({
  ...common,
  outfile: `${OUT}/procpool.cjs`,
  stdin: virtual(workerEntry(shared)),
  plugins: [workerApi, connectionExternal, lazyConnection],
});

// An import of a module procpool.cjs holds reads it from there.
const held = new Set(shared.map((file) => path.resolve(file)));
const procpoolInternals = {
  name: 'procpool-internals',
  setup(build) {
    build.onResolve({ filter: /^\.\/procpool\.cjs$/ }, () => ({ path: './procpool.cjs', external: true }));
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      const file = path.resolve(args.resolveDir, args.path);
      return held.has(file) ? { path: path.relative('.', file), namespace: 'internal' } : undefined;
    });
    // Each name is read once, at load, into a plain binding: through a
    // CommonJS module, every use of a name would call two getters (the
    // namespace's and esbuild's interop), ~0.4 µs per task in B. None of
    // these modules reassigns an export, so no live binding is lost.
    build.onLoad({ filter: /.*/, namespace: 'internal' }, async (args) => {
      const names = Object.keys(await import(`./${args.path}`));
      const module = `require('./procpool.cjs').internals[${JSON.stringify(args.path)}]`;
      return {
        contents:
          names.length === 0 ? `${module};\n` : `const m = ${module};\nexport const { ${names.join(', ')} } = m;\n`,
        resolveDir: path.resolve(OUT),
        loader: 'js',
      };
    });
  },
};
const noCopies = (name, result) => {
  const leaked = Object.keys(result.metafile.inputs).filter((file) => file.includes('node_modules'));
  if (leaked.length > 0) throw new Error(`${name} would hold its own copy of ${leaked.join(', ')}`);
  const parent = Object.keys(result.metafile.inputs).filter((file) => file.startsWith('dist/parent/'));
  if (name !== 'pool.cjs' && parent.length > 0) throw new Error(`${name} would hold ${parent.join(', ')}`);
};

// connection.cjs: Connection's modules, its public names as `api` and each
// module as `internals` (for pool.cjs and procpool.cjs's loader).
const connectionEntry = apiAndInternals(CONNECTION_MODULES);
noCopies(
  'connection.cjs',
  await build({
    ...common,
    outfile: `${OUT}/connection.cjs`,
    stdin: virtual(connectionEntry),
    plugins: [apiOf(connectionExports), procpoolInternals],
  }),
);

// pool.cjs: the parent's half. What it takes from connection.cjs is read on
// use, through getters: a parent loads Connection's code when it makes one,
// and only a parent that has one passes it to a child.
const connectionInternals = {
  name: 'connection-internals',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      const file = path.resolve(args.resolveDir, args.path);
      return heldByConnection.has(file) ? { path: path.relative('.', file), namespace: 'connection' } : undefined;
    });
    build.onLoad({ filter: /.*/, namespace: 'connection' }, async (args) => {
      const names = Object.keys(await import(`./${args.path}`));
      const module = `require('./connection.cjs').internals[${JSON.stringify(args.path)}]`;
      const getters = names.map((name) => `  ${name}: { enumerable: true, get: () => ${module}.${name} },\n`);
      return {
        contents: `module.exports = Object.defineProperties({}, {\n${getters.join('')}});\n`,
        resolveDir: path.resolve(OUT),
        loader: 'js',
      };
    });
  },
};
noCopies(
  'pool.cjs',
  await build({
    ...common,
    outfile: `${OUT}/pool.cjs`,
    stdin: virtual(reexport(parentExports)),
    plugins: [connectionExternal, procpoolInternals, connectionInternals],
  }),
);

const GENERATED = '// Generated by build-bundle.mjs.\n';
writeFileSync(
  `${OUT}/index.cjs`,
  `${GENERATED}'use strict';\nconst worker = require('./procpool.cjs').api;\n` +
    `let parent;\nconst parentSide = () => (parent ??= require('./pool.cjs'));\n` +
    `let connection;\nconst connectionSide = () => (connection ??= require('./connection.cjs').api);\n` +
    publicNames
      .map((name) =>
        parentNames.has(name) || connectionNames.has(name)
          ? `Object.defineProperty(exports, '${name}', { enumerable: true, get: () => ${parentNames.has(name) ? 'parentSide' : 'connectionSide'}().${name} });\n`
          : `exports.${name} = worker.${name};\n`,
      )
      .join(''),
);
writeFileSync(
  `${OUT}/index.js`,
  `${GENERATED}import api from './index.cjs';\n` +
    publicNames.map((name) => `export const ${name} = api.${name};\n`).join(''),
);
mkdirSync(`${OUT}/bootstrap`, { recursive: true });
writeFileSync(`${OUT}/bootstrap/main.cjs`, `${GENERATED}'use strict';\nrequire('../procpool.cjs').startWorker();\n`);
await build({
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: common.external,
  logLevel: common.logLevel,
  entryPoints: ['dist/child/typescript-hooks.js'],
  outfile: `${OUT}/bootstrap/typescript-hooks.mjs`,
});
