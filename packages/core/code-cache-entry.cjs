// A worker's entry when it does not start from the V8 start-up snapshot
// (snapshot-entry.cjs): it compiles procpool.cjs with a V8 code cache, so V8
// neither parses it nor compiles the functions a worker runs. The first worker
// without a cache this node takes writes one at its exit, with every function
// compiled by then; V8 itself refuses a cache of another version or V8
// configuration, and the name holds the bundle's size and mtime, which V8
// does not check. build-bundle.mjs copies this file to dist/bundle/bootstrap/main.cjs.
'use strict';
const { readFileSync, realpathSync, renameSync, statSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

const BUNDLE = realpathSync(path.join(__dirname, '..', 'procpool.cjs'));
const { size, mtimeMs } = statSync(BUNDLE);
const CACHE = path.join(__dirname, `procpool-${process.version}-${size}-${Math.trunc(mtimeMs)}.cache`);
let cachedData;
try {
  cachedData = readFileSync(CACHE);
} catch {
  // none yet
}
const script = new vm.Script(Module.wrap(readFileSync(BUNDLE, 'utf8')), { filename: BUNDLE, cachedData });
// require('@procpool/core') in a task module finds this instance of procpool.cjs.
const bundle = new Module(BUNDLE, null);
bundle.filename = BUNDLE;
bundle.paths = Module._nodeModulePaths(path.dirname(BUNDLE));
Module._cache[BUNDLE] = bundle;
script.runInThisContext()(bundle.exports, Module.createRequire(BUNDLE), bundle, BUNDLE, path.dirname(BUNDLE));
bundle.loaded = true;
// import() in code compiled with a cache has no host callback in Node 20: an
// ES task module is imported through import.cjs, as from the snapshot (src/child/loader.ts).
(globalThis[Symbol.for('procpool.registry.snapshot')] ??= {}).importModule = (specifier) =>
  require('./import.cjs')(specifier);
if (cachedData === undefined || script.cachedDataRejected) {
  process.once('exit', () => {
    const made = `${CACHE}.${process.pid}`;
    try {
      writeFileSync(made, script.createCachedData());
      renameSync(made, CACHE); // never half a cache
    } catch {
      // a read-only package: workers compile as usual
    }
  });
}
bundle.exports.startWorker();
