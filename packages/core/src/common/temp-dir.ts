// Where this process makes its private directories (a Listener's or an object
// server's socket), as Python's util.get_temp_dir: one directory per process
// tree, made by its root and handed down to every child, removed by the root
// at exit. A child's own directories inside it are named after its pid, so
// its parent removes them when it exits, killed or not (removeDirsOf).
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { lazyCrypto, lazyOs } from './builtins.js';

// Paths this process made, removed if it exits before it removes them.
const leftAtExit = new Map<string, { recursive: boolean }>();
let exitHookInstalled = false;

function removePath(target: string): void {
  const entry = leftAtExit.get(target);
  leftAtExit.delete(target);
  try {
    rmSync(target, { recursive: entry?.recursive ?? false, force: true });
  } catch {
    // already gone, or not ours to remove any more
  }
}

/** Removes `target` (a socket file, or a directory with `recursive`) at exit, unless removed before; returns what removes it now. */
export function removeAtExit(target: string, recursive: boolean): () => void {
  leftAtExit.set(target, { recursive });
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const left of [...leftAtExit.keys()]) removePath(left);
    });
  }
  return () => removePath(target);
}

let treeDir: string | null = null;
let made = false;

/** The process tree's directory, from the parent (a child calls this as it starts). */
export function inheritTempDir(dir: string | null): void {
  if (dir !== null) treeDir = dir;
}

/** The tree's directory for a child to inherit: named here on first use (made only when needed), removed at exit. */
export function tempDirForChildren(): string {
  if (treeDir === null) {
    const name = `procpool-${process.pid}-${lazyCrypto().randomBytes(6).toString('hex')}`;
    treeDir = path.join(lazyOs().tmpdir(), name);
    removeAtExit(treeDir, true);
  }
  return treeDir;
}

// The tree's directory, made now if nobody has yet: private (0700), and ours.
function ensureTreeDir(): string {
  const dir = tempDirForChildren();
  if (made) return dir;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(dir);
  if (!stat.isDirectory() || stat.uid !== process.getuid?.() || (stat.mode & 0o077) !== 0) {
    throw new Error(`${dir} is not a private directory of this user: refusing to make sockets in it`);
  }
  made = true;
  return dir;
}

/**
 * A new private (0700) directory for this process (`<tree dir>/<pid>-<kind>-XXXXXX`),
 * removed by `remove`, at exit, or by the parent when this process has exited.
 */
export function privateDir(kind: string): { dir: string; remove: () => void } {
  let dir: string;
  try {
    dir = mkdtempSync(path.join(ensureTreeDir(), `${process.pid}-${kind}-`));
  } catch {
    // The tree's root has exited and removed it (an orphan): a directory of our own.
    dir = mkdtempSync(path.join(lazyOs().tmpdir(), `procpool-${process.pid}-${kind}-`));
  }
  return { dir, remove: removeAtExit(dir, true) };
}

/** Removes the private directories child `pid` made in the tree's directory (it has exited). */
export function removeDirsOf(pid: number): void {
  if (treeDir === null) return;
  let names: string[];
  try {
    names = readdirSync(treeDir);
  } catch {
    return; // not made yet, or gone
  }
  const prefix = `${pid}-`;
  for (const name of names) {
    if (name.startsWith(prefix)) rmSync(path.join(treeDir, name), { recursive: true, force: true });
  }
}
