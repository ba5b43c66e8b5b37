// After tsc: bundles the package into dist/bundle as four CommonJS files and
// three small entries over them:
//
//   procpool.cjs        what a worker needs: tasks, codecs, errors, the channel,
//                       process info, and the bootstrap (run only on request)
//   connection.cjs      Connection, Pipe, Listener, Client and wait(): loaded
//                       on first use, or in a child when one is handed to it
//   objects.cjs         shared objects (queues, locks, values, managers):
//                       loaded on first use, or when a shared object arrives
//   pool.cjs            what only a parent needs: Pool and its machinery
//   index.cjs           require('@procpool/core'): the public API, with the names
//                       of pool.cjs, connection.cjs and objects.cjs loading them on first use
//   index.js            import '@procpool/core': the same object's names
//   bootstrap/main.cjs  a worker's entry
//   bootstrap/thread.cjs
//                       a ThreadPool thread's entry
//   bootstrap/manager-server.cjs
//                       the module a manager's server process runs (serveManager)
//   bootstrap/typescript-hooks.mjs
//                       the module hooks a worker registers for its first
//                       TypeScript task module (Node loads hooks as modules of their own)
//
// connection.cjs and objects.cjs are the lazy bundles. The others reach every
// module of procpool.cjs through that file, and a lazy bundle's modules through
// getters that load it on first use (or import() of one), so each module exists once.
//
// Why CommonJS: a worker whose task module is CommonJS then never starts Node's
// ES module loader (~8 ms of CPU and ~1.5 MiB each). Why four files: a worker
// does not compile or initialize the parent's half (~3 ms of CPU each in D),
// nor Connection's code unless it uses it (~5 ms of CPU and ~1.5 MiB each in
// S), nor the shared objects' (their server, client, handles and managers),
// which most workers never meet. Why a single instance: require and import, the
// bootstrap and the task module all share registries, classes and `instanceof`.
// (docs/performance.md)
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const OUT = 'dist/bundle';
// Stale files of earlier builds must not linger.
rmSync(OUT, { recursive: true, force: true });

// Which side a module runs on is where it lives: src/parent (the user's
// process only), src/child (a worker only), src/common (both). The public
// names of parent modules are served by pool.cjs, the rest by procpool.cjs
// or a lazy bundle.
const modulesUnder = (dir) =>
  readdirSync(dir, { recursive: true })
    .filter((file) => file.endsWith('.js'))
    .map((file) => `${dir}/${file}`)
    .sort();
const PARENT_MODULES = modulesUnder('dist/parent');
const COMMON_MODULES = modulesUnder('dist/common');
// Code most workers never run. A lazy bundle's errors stay in procpool.cjs
// (small), where the error codec finds them in a process that never loaded the rest.
const LAZY = [
  {
    file: 'connection.cjs',
    side: 'connectionSide',
    holds: (file) =>
      (file.startsWith('dist/common/connection/') && file !== 'dist/common/connection/errors.js') ||
      file === 'dist/common/wait.js',
  },
  {
    file: 'objects.cjs',
    side: 'objectsSide',
    holds: (file) =>
      (file.startsWith('dist/common/objects/') && file !== 'dist/common/objects/errors.js') ||
      file.startsWith('dist/common/managers/'),
  },
].map((bundle) => ({ ...bundle, modules: COMMON_MODULES.filter(bundle.holds) }));
const lazyHolding = (file) => LAZY.find((bundle) => bundle.holds(file));
const WORKER_MODULES = COMMON_MODULES.filter((file) => lazyHolding(file) === undefined);
const BOOTSTRAP = 'dist/child/main.js';
const THREAD_BOOTSTRAP = 'dist/child/thread-main.js';

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
for (const bundle of LAZY) bundle.exports = withNames(await exportsOf(bundle.modules));
const missing = publicNames.filter((name) => !served.has(name));
if (missing.length > 0)
  throw new Error(`${missing.join(', ')}: public, but not exported from src/parent or src/common`);
const reexport = (exported) =>
  [...exported].map(([file, names]) => `export { ${names.join(', ')} } from './${file}';\n`).join('');

// procpool.cjs: the public worker-side names as `api`, each of its modules
// as `internals` (for the other bundles), and the bootstrap behind startWorker():
// esbuild wraps a module reached through require() in a lazy initializer.
// Passes below find which modules it holds.
// A bundle's entry: its public names as `api`, each of `internals` by file.
const apiAndInternals = (internals) =>
  `import * as api from './worker-api';\nexport { api };\n` +
  internals.map((file, i) => `import * as m${i} from './${file}';\n`).join('') +
  `export const internals = {\n${internals.map((file, i) => `  ${JSON.stringify(file)}: m${i},\n`).join('')}};\n`;
const workerEntry = (internals) =>
  apiAndInternals(internals) +
  `export function startWorker() {\n  require('./${BOOTSTRAP}');\n}\n` +
  `export function startThread() {\n  require('./${THREAD_BOOTSTRAP}');\n}\n`;
const apiOf = (exported) => ({
  name: 'api',
  setup(build) {
    build.onResolve({ filter: /^\.\/worker-api$/ }, () => ({ path: 'worker-api', namespace: 'api' }));
    build.onLoad({ filter: /.*/, namespace: 'api' }, () => ({
      contents: reexport(exported) || 'export {};\n',
      resolveDir: '.',
      loader: 'js',
    }));
  },
});
// Each bundle is external to the others.
const BUNDLES = new Set(['procpool.cjs', 'pool.cjs', ...LAZY.map((bundle) => bundle.file)]);
const bundlesExternal = {
  name: 'bundles-external',
  setup(build) {
    build.onResolve({ filter: /^\.\/[a-z]+\.cjs$/ }, (args) =>
      BUNDLES.has(args.path.slice(2)) ? { path: args.path, external: true } : undefined,
    );
  },
};
// In any other bundle, a lazy bundle's module is read from that bundle when
// first used: `import()` of it loads the bundle then; a static import is an
// object of getters, each loading the bundle on first read (a name read while
// modules load, as `extends` does, would load it in every process that loads
// the importer: checked below for procpool.cjs). The module's namespace is
// read once, then each name through it (live).
const lazyModules = (self) => ({
  name: 'lazy-modules',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      const file = path.relative('.', path.resolve(args.resolveDir, args.path));
      const bundle = lazyHolding(file);
      if (bundle === undefined || bundle.file === self) return undefined;
      return { path: `${bundle.file}:${file}`, namespace: args.kind === 'dynamic-import' ? 'lazy-import' : 'lazy' };
    });
    const moduleOf = (key) => {
      const [file, module] = key.split(':');
      return { file: module, read: `require('./${file}').internals[${JSON.stringify(module)}]` };
    };
    build.onLoad({ filter: /.*/, namespace: 'lazy-import' }, (args) => ({
      contents: `module.exports = ${moduleOf(args.path).read};\n`,
      resolveDir: path.resolve(OUT),
      loader: 'js',
    }));
    build.onLoad({ filter: /.*/, namespace: 'lazy' }, async (args) => {
      const { file, read } = moduleOf(args.path);
      const names = Object.keys(await import(`./${file}`));
      const getters = names.map((name) => `  ${name}: { enumerable: true, get: () => load().${name} },\n`);
      return {
        contents:
          `let namespace;\nconst load = () => (namespace ??= ${read});\n` +
          `module.exports = Object.defineProperties({}, {\n${getters.join('')}});\n`,
        resolveDir: path.resolve(OUT),
        loader: 'js',
      };
    });
  },
});
const workerPlugins = [apiOf(workerExports), bundlesExternal, lazyModules('procpool.cjs')];
// The modules procpool.cjs holds: what its entry reaches, with `extra` as internals.
const procpoolHolding = async (extra) => {
  const probe = await build({
    ...common,
    write: false,
    outfile: `${OUT}/procpool.cjs`,
    stdin: virtual(workerEntry(extra)),
    plugins: workerPlugins,
  });
  return Object.keys(probe.metafile.inputs).filter(
    (file) => file.startsWith('dist/') && file !== BOOTSTRAP && file !== THREAD_BOOTSTRAP,
  );
};

// An import of a module procpool.cjs holds reads it from there.
const procpoolInternals = (shared) => {
  const held = new Set(shared.map((file) => path.resolve(file)));
  return {
    name: 'procpool-internals',
    setup(build) {
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
};
// The other bundles over procpool.cjs's modules. A lazy bundle: its modules,
// its public names as `api` and each module as `internals` (for the other
// bundles). pool.cjs: the parent's half; a parent loads a lazy bundle when it
// uses one of its names, and only a parent that has such an object passes it to a child.
const buildOthers = (shared, write) =>
  Promise.all(
    [
      ...LAZY.map((bundle) => ({
        file: bundle.file,
        entry: apiAndInternals(bundle.modules),
        plugins: [apiOf(bundle.exports), bundlesExternal, procpoolInternals(shared), lazyModules(bundle.file)],
      })),
      {
        file: 'pool.cjs',
        entry: reexport(parentExports),
        plugins: [bundlesExternal, procpoolInternals(shared), lazyModules('pool.cjs')],
      },
    ].map(async ({ file, entry, plugins }) => [
      file,
      await build({ ...common, write, outfile: `${OUT}/${file}`, stdin: virtual(entry), plugins }),
    ]),
  );
const modulesOf = (result) => Object.keys(result.metafile.inputs).filter((file) => file.startsWith('dist/'));

// Each module exists once: in one bundle, read by the others from there. So
// procpool.cjs also holds a module two others would hold (timers.js, imported
// by pool.cjs and connection.cjs), whatever its entry reaches.
const reached = (await buildOthers(await procpoolHolding([]), false)).flatMap(([, result]) => modulesOf(result));
const shared = await procpoolHolding([...new Set(reached.filter((file, i) => reached.indexOf(file) !== i))]);
const leakedParent = shared.filter((file) => file.startsWith('dist/parent/'));
if (leakedParent.length > 0) throw new Error(`procpool.cjs would hold parent modules: ${leakedParent.join(', ')}`);
const bundled = new Map();
const check = (name, result) => {
  const inputs = Object.keys(result.metafile.inputs);
  const leaked = inputs.filter((file) => file.includes('node_modules'));
  if (name !== 'procpool.cjs' && leaked.length > 0)
    throw new Error(`${name} would hold its own copy of ${leaked.join(', ')}`);
  const parent = inputs.filter((file) => file.startsWith('dist/parent/'));
  if (name !== 'pool.cjs' && parent.length > 0) throw new Error(`${name} would hold ${parent.join(', ')}`);
  for (const file of modulesOf(result)) {
    if (bundled.has(file)) throw new Error(`${file} would be in both ${bundled.get(file)} and ${name}`);
    bundled.set(file, name);
  }
};
check(
  'procpool.cjs',
  await build({
    ...common,
    outfile: `${OUT}/procpool.cjs`,
    stdin: virtual(workerEntry(shared)),
    plugins: workerPlugins,
  }),
);
for (const [file, result] of await buildOthers(shared, true)) check(file, result);

const GENERATED = '// Generated by build-bundle.mjs.\n';
// index.cjs: procpool.cjs's names at once, the others' through getters that
// load their bundle on first use.
const sides = [
  { side: 'parentSide', load: "require('./pool.cjs')", exports: parentExports },
  ...LAZY.map((bundle) => ({ side: bundle.side, load: `require('./${bundle.file}').api`, exports: bundle.exports })),
];
const sideOf = new Map(sides.flatMap(({ side, exports }) => [...exports.values()].flat().map((name) => [name, side])));
writeFileSync(
  `${OUT}/index.cjs`,
  `${GENERATED}'use strict';\nconst worker = require('./procpool.cjs').api;\n` +
    sides.map(({ side, load }, i) => `let side${i};\nconst ${side} = () => (side${i} ??= ${load});\n`).join('') +
    publicNames
      .map((name) =>
        sideOf.has(name)
          ? `Object.defineProperty(exports, '${name}', { enumerable: true, get: () => ${sideOf.get(name)}().${name} });\n`
          : `exports.${name} = worker.${name};\n`,
      )
      .join(''),
);
// require('@procpool/core') loads procpool.cjs only: a lazy module's name read
// as modules load (outside any function, as `extends` does) would load its
// bundle, or fail, the bundle reading procpool.cjs before it is done.
const loadAtStart = `require('./${OUT}/index.cjs'); console.log(JSON.stringify(Object.keys(require.cache)));`;
let loadedAtStart;
try {
  loadedAtStart = JSON.parse(execFileSync(process.execPath, ['-e', loadAtStart], { stdio: 'pipe' }).toString());
} catch (error) {
  throw new Error(
    `require('@procpool/core') fails; does a module read a lazy module's name as it loads?\n${error.stderr}`,
  );
}
const lazyAtStart = loadedAtStart
  .map((file) => path.relative(OUT, file))
  .filter((file) => file !== 'index.cjs' && file !== 'procpool.cjs');
if (lazyAtStart.length > 0) throw new Error(`require('@procpool/core') loads ${lazyAtStart.join(', ')}`);
writeFileSync(
  `${OUT}/index.js`,
  `${GENERATED}import api from './index.cjs';\n` +
    publicNames.map((name) => `export const ${name} = api.${name};\n`).join(''),
);
mkdirSync(`${OUT}/bootstrap`, { recursive: true });
// A worker's entry: procpool.cjs compiled with a V8 code cache (code-cache-entry.cjs).
copyFileSync('code-cache-entry.cjs', `${OUT}/bootstrap/main.cjs`);
// A ThreadPool's thread: CommonJS too, for the same reason.
writeFileSync(`${OUT}/bootstrap/thread.cjs`, `${GENERATED}'use strict';\nrequire('../procpool.cjs').startThread();\n`);
// A manager's server process runs serveManager() as a Process target: a module to name.
writeFileSync(
  `${OUT}/bootstrap/manager-server.cjs`,
  `${GENERATED}'use strict';\nmodule.exports = require('../objects.cjs').internals['dist/common/managers/serve.js'];\n`,
);
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

// import() for a worker started from the snapshot (snapshot-entry.cjs).
writeFileSync(
  `${OUT}/bootstrap/import.cjs`,
  `${GENERATED}'use strict';\nmodule.exports = (specifier) => import(specifier);\n`,
);
// The workers' V8 start-up snapshot, made by the node that builds, and what a
// parent checks before it starts a worker from it (src/parent/launch/snapshot.ts):
// Node refuses a blob made by another version or V8 configuration, and the blob
// holds procpool.cjs as it was. Without one, workers start the usual way.
copyFileSync('snapshot-entry.cjs', `${OUT}/bootstrap/snapshot.cjs`);
try {
  execFileSync(
    process.execPath,
    ['--snapshot-blob', `${OUT}/bootstrap/worker.blob`, '--build-snapshot', `${OUT}/bootstrap/snapshot.cjs`],
    { stdio: 'pipe' },
  );
  const bundle = realpathSync(`${OUT}/procpool.cjs`);
  const { size, mtimeMs } = statSync(bundle);
  writeFileSync(
    `${OUT}/bootstrap/worker.blob.json`,
    `${JSON.stringify({
      node: process.version,
      platform: process.platform,
      arch: process.arch,
      execPath: realpathSync(process.execPath),
      bundle: { path: bundle, size, mtimeMs },
    })}\n`,
  );
} catch (error) {
  console.warn(`build-bundle: no start-up snapshot for workers (they start without one): ${error.stderr ?? error}`);
}
