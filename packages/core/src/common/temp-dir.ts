// Where this process makes its private directories (a Listener's or an object
// server's socket), as Python's util.get_temp_dir: one directory per process
// tree, made by its root and handed down to every child, removed by the root
// at exit. A child's own directories inside it are named after its pid, so
// its parent removes them when it exits, killed or not (removeDirsOf).
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { lazyCrypto, lazyOs } from './builtins.js';
import { sharedRegistry } from './registry.js';

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

// One per process, shared by every copy of procpool in it (common/registry.ts).
const tree = sharedRegistry('tempDir', () => ({
  dir: null as string | null,
  /** Whether this process made it (the tree's root), rather than inherited it. */
  own: false,
  made: false,
}));

/** The process tree's directory, from the parent (a child calls this as it starts). */
export function inheritTempDir(dir: string | null): void {
  if (dir === null) return;
  tree.dir = dir;
  tree.own = false;
}

/** The tree's directory for a child to inherit: named here on first use (made only when needed), removed at exit. */
export function tempDirForChildren(): string {
  if (tree.dir === null) {
    const name = `procpool-${process.pid}-${lazyCrypto().randomBytes(6).toString('hex')}`;
    tree.dir = path.join(lazyOs().tmpdir(), name);
    tree.own = true;
  }
  if (tree.own) removeAtExit(tree.dir, true);
  return tree.dir;
}

// The tree's directory, made now if nobody has yet: private (0700), and ours.
function ensureTreeDir(): string {
  const dir = tempDirForChildren();
  if (tree.made && tree.own) return dir;
  // A child makes it too, should its root have removed it for being empty.
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(dir);
  if (!stat.isDirectory() || stat.uid !== process.getuid?.() || (stat.mode & 0o077) !== 0) {
    throw new Error(`${dir} is not a private directory of this user: refusing to make sockets in it`);
  }
  tree.made = true;
  return dir;
}

// The root's tree directory goes as soon as it is empty, not only at exit.
function removeTreeDirIfEmpty(): void {
  // Whoever made it last (a child may make it again), it is the root's to remove.
  if (!tree.own || tree.dir === null) return;
  try {
    rmdirSync(tree.dir);
    tree.made = false;
  } catch {
    // a child's directory is still in it, or it is gone already
  }
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
  const remove = removeAtExit(dir, true);
  return {
    dir,
    remove: () => {
      remove();
      removeTreeDirIfEmpty();
    },
  };
}

/** Removes the private directories child `pid` made in the tree's directory (it has exited). */
export function removeDirsOf(pid: number): void {
  const treeDir = tree.dir;
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
  removeTreeDirIfEmpty();
}
