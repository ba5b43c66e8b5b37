import { readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';

// A worker starts from the V8 start-up snapshot that the build made
// (packages/core/snapshot-entry.cjs), with procpool's code compiled and
// initialised, when Node is sure to take it: Node refuses a blob made by
// another version, build or V8 configuration, and exits (code 14).

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

let blob: string | null | undefined; // undefined: not looked for yet

// The blob beside the bootstrap, when this node made it from the bundle as it is now.
function findBlob(bootstrap: string): string | null {
  const file = path.join(path.dirname(bootstrap), 'worker.blob');
  try {
    const info = JSON.parse(readFileSync(`${file}.json`, 'utf8')) as BlobInfo;
    const bundle = statSync(info.bundle.path);
    const fits =
      info.node === process.version &&
      info.platform === process.platform &&
      info.arch === process.arch &&
      info.execPath === realpathSync(process.execPath) &&
      info.bundle.path === realpathSync(path.join(path.dirname(bootstrap), '..', 'procpool.cjs')) &&
      info.bundle.size === bundle.size &&
      info.bundle.mtimeMs === bundle.mtimeMs;
    return fits ? file : null;
  } catch {
    return null; // none was made (tsc's output, or a node that cannot make one)
  }
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
