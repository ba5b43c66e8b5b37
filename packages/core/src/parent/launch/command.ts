import { accessSync, constants, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { getExecutable } from '../start-methods.js';
import type { LaunchOptions } from './launcher.js';
import { SETPRIV, diesWithParent } from './setpriv.js';
import { snapshotFlags } from './snapshot.js';

// Beside the bundle (dist/bundle/procpool.cjs: a CommonJS entry, so a worker
// loads Node's ES module loader only for an ES task module), or one folder up
// in tsc's output.
const BOOTSTRAP = [new URL('./bootstrap/main.cjs', import.meta.url), new URL('../../child/main.js', import.meta.url)]
  .map((url) => fileURLToPath(url))
  .find((file) => existsSync(file)) as string;

// Flags of the parent that must not reach a worker: its own script (`node -e`
// would run the parent again in every worker, forking without end: Node's fork()
// drops it for the same reason), modes that do not run a script file, and the
// parent's own start-up snapshot (a worker would run the parent's program).
const WITH_VALUE = new Set(['-e', '--eval', '-p', '--print', '--input-type', '--snapshot-blob']);
const ALONE = /^(?:--input-type=|--watch|--test|--check$|-c$|--interactive$|-i$|--build-snapshot$|--snapshot-blob=)/;

export function inheritableExecArgv(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i += 1) {
    const flag = execArgv[i] as string;
    if (WITH_VALUE.has(flag)) i += 1;
    else if (!ALONE.test(flag) && !/^--(?:eval|print)=/.test(flag)) kept.push(flag);
  }
  return kept;
}

/** Why a child could not start: a node executable it cannot run, a working directory it cannot enter; or null. */
export function whyCannotStart(options: LaunchOptions): string | null {
  const node = options.method === 'fork' ? process.execPath : getExecutable();
  const checks: Array<[string, string, number]> = [[`run ${node}`, node, constants.X_OK]];
  if (options.cwd !== undefined) checks.push([`enter the directory ${options.cwd}`, options.cwd, constants.X_OK]);
  for (const [what, file, mode] of checks) {
    try {
      accessSync(file, mode);
    } catch (error) {
      return `cannot ${what}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`;
    }
  }
  return null;
}

export function buildCommand(options: LaunchOptions): { file: string; args: string[] } {
  // fork: a copy of the parent (its loader flags, --conditions, memory flags);
  // spawn: a fresh interpreter with only the flags asked for.
  const node = options.method === 'fork' ? process.execPath : getExecutable();
  const flags =
    options.method === 'fork' ? [...inheritableExecArgv(process.execArgv), ...options.execArgv] : [...options.execArgv];
  const fromSnapshot = options.snapshot ? snapshotFlags(BOOTSTRAP, node, flags, nodeOptionsOf(options.env)) : [];
  const args = [...flags, ...fromSnapshot, BOOTSTRAP];
  return options.survivesParent === true ? { file: node, args } : diesWithParent(node, args);
}

// NODE_OPTIONS as the worker will see it (read only for a start from the snapshot).
const nodeOptionsOf = (env: LaunchOptions['env']): string | undefined =>
  'NODE_OPTIONS' in env ? env.NODE_OPTIONS : process.env.NODE_OPTIONS;

/** This process's environment with `env` on top, unset keys left out: a worker's own copy. */
export function mergedEnv(env: LaunchOptions['env']): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...env })) if (value !== undefined) merged[key] = value;
  return merged;
}

/** A worker's environment; undefined for this process's own, which spawn() copies itself (one copy, not two). */
export function buildEnv(options: LaunchOptions): Record<string, string> | undefined {
  // Tells the bootstrap to guard against parent death itself (read and removed there).
  const watchParent = SETPRIV === undefined && options.survivesParent !== true;
  if (!watchParent && Object.keys(options.env).length === 0) return undefined;
  const env = mergedEnv(options.env);
  if (watchParent) env.PROCPOOL_WATCH_PARENT = '1';
  return env;
}
