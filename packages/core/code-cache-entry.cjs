// A worker's entry when it does not start from the V8 start-up snapshot
// (snapshot-entry.cjs): it compiles procpool.cjs with a V8 code cache, so V8
// neither parses it nor compiles the functions a worker runs. The first worker
// without a cache this node takes writes one, with every function compiled by
// then; V8 itself refuses a cache of another version or V8
// configuration, and the name holds the bundle's size and mtime, which V8
// does not check. build-bundle.mjs copies this file to dist/bundle/bootstrap/main.cjs.
'use strict';
const { readFileSync, realpathSync, renameSync, statSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

const WRITE_AFTER_MS = 200;
// FNV-1a: a short name for the flags, without loading node:crypto.
const hash = (text) => {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(36);
};
const BUNDLE = realpathSync(path.join(__dirname, '..', 'procpool.cjs'));
const { size, mtimeMs } = statSync(BUNDLE);
// V8 refuses a cache made under other V8 flags: each set of flags has its own,
// so pools with different flags in one install do not overwrite each other's.
const flags = hash(`${process.execArgv.join(' ')}|${process.env.NODE_OPTIONS ?? ''}`);
const CACHE = path.join(__dirname, `procpool-${process.version}-${size}-${Math.trunc(mtimeMs)}-${flags}.cache`);
const script = new vm.Script(Module.wrap(readFileSync(BUNDLE, 'utf8')), { filename: BUNDLE, cachedData: readCache() });
const hadCache = script.cachedDataRejected === false;
// require('@procpool/core') in a task module finds this instance of procpool.cjs.
const bundle = new Module(BUNDLE, null);
bundle.filename = BUNDLE;
bundle.paths = Module._nodeModulePaths(path.dirname(BUNDLE));
Module._cache[BUNDLE] = bundle;
script.runInThisContext()(bundle.exports, Module.createRequire(BUNDLE), bundle, BUNDLE, path.dirname(BUNDLE));
bundle.loaded = true;
// import() in code compiled with a cache has no host callback in Node 20: an
// ES task module is imported through import.cjs, as from the snapshot (src/child/loader.ts).
const entry = (globalThis[Symbol.for('procpool.registry.workerEntry')] ??= {});
entry.importModule = (specifier) => require('./import.cjs')(specifier);
entry.codeCache = hadCache; // for the tests
// Written once the worker has run a while (a pool ended by terminate() kills
// its workers, and no 'exit' event comes), or at its exit if that is sooner.
if (!hadCache) {
  const write = () => {
    process.removeListener('exit', write);
    clearTimeout(timer);
    const made = `${CACHE}.${process.pid}`;
    try {
      writeFileSync(made, script.createCachedData());
      renameSync(made, CACHE); // never half a cache
    } catch {
      // a read-only package: workers compile as usual
    }
  };
  process.once('exit', write);
  const timer = setTimeout(write, WRITE_AFTER_MS).unref();
}
bundle.exports.startWorker();

function readCache() {
  try {
    return readFileSync(CACHE);
  } catch {
    return undefined; // none yet
  }
}
