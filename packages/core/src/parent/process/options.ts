import type { WireTaskRef } from '../../common/protocol.js';
import { resolveTask, type AnyFunction, type TaskLike } from '../../common/tasks.js';
import { resolveLaunchOptions, type RawLaunchOptions, type ResolvedLaunchOptions } from '../launch/launch-options.js';
import { checkOptions, invalid } from '../../common/validate.js';

export interface ProcessOptions<F extends AnyFunction = AnyFunction> extends RawLaunchOptions {
  /** What the child runs: a task function (§1), a taskRef or a `'module#export'` string. None: the child exits at once. */
  target?: TaskLike<F> | string | undefined;
  /** The target's arguments. Connections in them arrive in the child as working Connections. @default [] */
  args?: Readonly<Parameters<F>> | readonly unknown[] | undefined;
  /** @default `Process-N`, N counting the Processes made in this process */
  name?: string | undefined;
  /** Killed when this process exits, by any means; may not start children. @default false */
  daemon?: boolean | undefined;
}

export interface ResolvedProcessOptions {
  target: WireTaskRef | null;
  args: readonly unknown[];
  name: string | undefined;
  daemon: boolean;
  launch: ResolvedLaunchOptions;
}

// `satisfies` holds this list to ProcessOptions: no key missing, none extra.
const KNOWN: ReadonlySet<string> = new Set(
  Object.keys({
    target: true,
    args: true,
    name: true,
    daemon: true,
    context: true,
    execArgv: true,
    env: true,
    cwd: true,
    snapshot: true,
  } satisfies Record<keyof ProcessOptions, true>),
);

export function checkName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name === '') throw invalid('name', 'a non-empty string', name);
}

export function checkDaemon(daemon: unknown): asserts daemon is boolean {
  if (typeof daemon !== 'boolean') throw invalid('daemon', 'a boolean', daemon);
}

/** Validates and copies a Process's options, without touching the caller's object. */
export function normalizeProcessOptions(raw: ProcessOptions | undefined): ResolvedProcessOptions {
  const options: ProcessOptions = { ...checkOptions(raw, KNOWN, 'Process') };
  const { target, args = [], name, daemon = false, ...launch } = options;
  if (!Array.isArray(args)) throw invalid('args', 'an array', args);
  if (name !== undefined) checkName(name);
  checkDaemon(daemon);
  return {
    target: target === undefined || target === null ? null : resolveTask(target),
    args: Array.from(args as readonly unknown[]),
    name,
    daemon,
    launch: resolveLaunchOptions(launch),
  };
}
