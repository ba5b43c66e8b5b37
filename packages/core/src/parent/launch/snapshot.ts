import { existsSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { lazyChildProcess } from '../../common/builtins.js';
import { diesWithParent } from './setpriv.js';

// A worker starts from a V8 start-up snapshot of procpool.cjs
// (packages/core/snapshot-entry.cjs), its code compiled and initialised, when
// Node is sure to take it: Node refuses a blob made by another version, build
// or V8 configuration, and exits (code 14). The build makes one with the
// building node; where there is none this node can use (an installed package,
// another node), the first worker start makes one in the background, beside
// the bundle, for the workers after it.

interface BlobInfo {
  node: string;
  platform: string;
  arch: string;
  execPath: string;
  bundle: { path: string; size: number; mtimeMs: number };
}

// Node flags a worker starts from the snapshot with (each tested in
// test/worker/snapshot.test.ts). Any other flag starts it the usual way: a
// V8 flag (--max-old-space-size, --expose-gc, --stack-size…) changes V8's
// configuration, which Node checks against the blob's, and --import and
// --loader would not run.
const ALONE =
  /^--(?:experimental-vm-modules|enable-source-maps|no-warnings|trace-warnings|trace-uncaught|trace-deprecation|no-deprecation|throw-deprecation|pending-deprecation|cpu-prof|heap-prof)$/;
const WITH_VALUE = new Set([
  '-r',
  '--require',
  '-C',
  '--conditions',
  '--cpu-prof-dir',
  '--cpu-prof-name',
  '--cpu-prof-interval',
  '--heap-prof-dir',
  '--heap-prof-name',
  '--heap-prof-interval',
]);
const WITH_VALUE_JOINED =
  /^--(?:no-warnings|unhandled-rejections|require|conditions|cpu-prof-dir|cpu-prof-name|cpu-prof-interval|heap-prof-dir|heap-prof-name|heap-prof-interval)=/;

function takesSnapshot(flags: readonly string[]): boolean {
  for (let i = 0; i < flags.length; i += 1) {
    const flag = flags[i] as string;
    if (WITH_VALUE.has(flag)) i += 1;
    else if (!ALONE.test(flag) && !WITH_VALUE_JOINED.test(flag)) return false;
  }
  return true;
}

let blob: string | null | undefined; // undefined: not looked for (again) yet
let building = false; // once per process, whatever comes of it

// What a blob made now by this node from the bundle as it is would say of itself.
function wanted(bootstrap: string): BlobInfo {
  const bundle = realpathSync(path.join(path.dirname(bootstrap), '..', 'procpool.cjs'));
  const { size, mtimeMs } = statSync(bundle);
  const { version: node, platform, arch } = process;
  return { node, platform, arch, execPath: realpathSync(process.execPath), bundle: { path: bundle, size, mtimeMs } };
}

// The blob beside the bootstrap, when this node made it from the bundle as it is now.
function findBlob(bootstrap: string): string | null {
  const file = path.join(path.dirname(bootstrap), 'worker.blob');
  let fits = false;
  try {
    const [made, now] = [JSON.parse(readFileSync(`${file}.json`, 'utf8')) as BlobInfo, wanted(bootstrap)];
    fits =
      made.node === now.node &&
      made.platform === now.platform &&
      made.arch === now.arch &&
      made.execPath === now.execPath &&
      made.bundle.path === now.bundle.path &&
      made.bundle.size === now.bundle.size &&
      made.bundle.mtimeMs === now.bundle.mtimeMs;
  } catch {
    // none yet
  }
  if (!fits) makeBlob(bootstrap, file);
  return fits ? file : null;
}

// In the background, under new names renamed into place when done, so a
// process never reads half a blob; lost if this process dies first.
function makeBlob(bootstrap: string, file: string): void {
  const entry = path.join(path.dirname(bootstrap), 'snapshot.cjs');
  if (building || !existsSync(entry)) return; // tsc's output has no entry
  building = true;
  const made = `${file}.${process.pid}`;
  const clean = (): void => {
    rmSync(made, { force: true });
    rmSync(`${made}.json`, { force: true });
  };
  let info: BlobInfo;
  try {
    info = wanted(bootstrap);
  } catch {
    return;
  }
  const { file: command, args } = diesWithParent(process.execPath, [
    '--snapshot-blob',
    made,
    '--build-snapshot',
    entry,
  ]);
  // Its own flags only: NODE_OPTIONS's V8 flags would make a blob for another configuration.
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const builder = lazyChildProcess().spawn(command, args, { stdio: 'ignore', env });
  builder.unref();
  process.once('exit', clean);
  let finished = false; // 'error' may follow 'exit'
  const done = (succeeded: boolean): void => {
    if (finished) return;
    finished = true;
    process.removeListener('exit', clean);
    try {
      if (!succeeded) throw new Error('no blob');
      writeFileSync(`${made}.json`, `${JSON.stringify(info)}\n`);
      renameSync(made, file);
      renameSync(`${made}.json`, `${file}.json`);
      blob = undefined; // found by the next worker start
    } catch {
      clean(); // a read-only package: workers start the usual way
    }
  };
  builder.once('error', () => done(false));
  builder.once('exit', (code) => done(code === 0));
}

/**
 * The flags that start a worker from the snapshot (`--snapshot-blob FILE`),
 * or none: another executable than this process's, flags or NODE_OPTIONS it
 * cannot take, PROCPOOL_NO_SNAPSHOT=1, or no blob made by this node.
 */
export function snapshotFlags(
  bootstrap: string,
  node: string,
  flags: readonly string[],
  nodeOptions: string | undefined,
): string[] {
  if (process.env.PROCPOOL_NO_SNAPSHOT === '1' || node !== process.execPath || !takesSnapshot(flags)) return [];
  const fromEnv = nodeOptions?.trim() ?? '';
  if (fromEnv !== '' && !takesSnapshot(fromEnv.split(/\s+/))) return [];
  if (blob === undefined) blob = findBlob(bootstrap);
  return blob === null ? [] : ['--snapshot-blob', blob];
}

/** After a worker started from the snapshot died of it (exit code 14): the others start without it. */
export function snapshotRefused(): void {
  blob = null;
}
