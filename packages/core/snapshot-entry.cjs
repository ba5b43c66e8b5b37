// The V8 start-up snapshot of a worker (docs/performance.md, "A worker's
// start-up"). build-bundle.mjs copies this file to dist/bundle/bootstrap/ and
// runs it once with `node --build-snapshot`: it compiles and initialises
// procpool.cjs, and Node saves the heap. A worker started with
// `--snapshot-blob` begins from that heap and runs the function below instead
// of a script, so it neither reads nor compiles procpool's code.
//
// A snapshot builder's `require` loads only Node's built-in modules, so the
// bundle reaches its lazy parts (connection.cjs, objects.cjs, ts-node) through
// a stand-in that becomes a real require once the worker runs.
'use strict';
const { readFileSync, realpathSync } = require('node:fs');
const path = require('node:path');
const v8 = require('node:v8');
const vm = require('node:vm');

const BUNDLE = realpathSync(path.join(__dirname, '..', 'procpool.cjs'));
let currentRequire = require;
const bundleRequire = (id) => currentRequire(id);
bundleRequire.resolve = (id, options) => currentRequire.resolve(id, options);
const bundle = { exports: {} };
// Compiled under the bundle's own name: stack frames and import.meta.url say procpool.cjs.
vm.compileFunction(readFileSync(BUNDLE, 'utf8'), ['exports', 'require', 'module', '__filename', '__dirname'], {
  filename: BUNDLE,
})(bundle.exports, bundleRequire, bundle, BUNDLE, path.dirname(BUNDLE));

v8.startupSnapshot.setDeserializeMainFunction(() => {
  const Module = require('node:module');
  currentRequire = Module.createRequire(BUNDLE);
  // require('@procpool/core') in a task module, and the other bundles, find
  // this instance of procpool.cjs rather than loading a second one.
  const cached = new Module(BUNDLE, null);
  cached.filename = BUNDLE;
  cached.paths = Module._nodeModulePaths(path.dirname(BUNDLE));
  cached.exports = bundle.exports;
  cached.loaded = true;
  Module._cache[BUNDLE] = cached;
  // Not for the worker's own children: fork() passes execArgv on, and a child
  // started from this snapshot would run a worker instead of its script.
  const at = process.execArgv.indexOf('--snapshot-blob');
  if (at !== -1) process.execArgv.splice(at, 2);
  // import() works only in code Node compiled itself: a task module that is an
  // ES module is imported through this file's neighbour (src/child/loader.ts).
  const started = (globalThis[Symbol.for('procpool.registry.workerEntry')] ??= {});
  started.importModule = (specifier) => currentRequire('./bootstrap/import.cjs')(specifier);
  started.exports = bundle.exports;
  bundle.exports.startWorker();
});
