import { ProcessError } from '../common/errors.js';

export type StartMethod = 'fork' | 'spawn';

const ALL: readonly StartMethod[] = ['fork', 'spawn'];
let chosen: StartMethod | undefined;
let executable: string = process.execPath;

/**
 * What a pool reads of a `Context`: its start method. It lives here, not in
 * context.ts, so that pool options can accept a Context without importing the
 * module whose `Pool` imports them.
 */
export interface ContextLike {
  readonly startMethod: StartMethod;
}

export const isStartMethod = (value: unknown): value is StartMethod => ALL.includes(value as StartMethod);

/** The check of `getContext(method)` and `setStartMethod(method)`. */
export function checkStartMethod(value: unknown): asserts value is StartMethod {
  if (!isStartMethod(value)) {
    throw new TypeError(`Expected the start method to be one of 'fork', 'spawn', got \`${String(value)}\``);
  }
}

/** The start methods this platform supports; the first is the default. */
export function getAllStartMethods(): StartMethod[] {
  return [...ALL];
}

/**
 * The start method pools use by default. As in Python, asking fixes the
 * default unless `allowNone` is true, in which case `null` means "not chosen yet".
 */
export function getStartMethod(allowNone: true): StartMethod | null;
export function getStartMethod(allowNone?: false): StartMethod;
export function getStartMethod(allowNone = false): StartMethod | null {
  if (chosen === undefined && !allowNone) chosen = ALL[0];
  return chosen ?? null;
}

/** Chooses the default start method once; `force: true` changes it again (`null` resets it). */
export function setStartMethod(method: StartMethod | null, { force = false }: { force?: boolean } = {}): void {
  if (chosen !== undefined && !force) {
    throw new ProcessError(`The start method is already set to '${chosen}'; pass { force: true } to change it`);
  }
  if (method === null) {
    if (!force) throw new TypeError('Resetting the start method to null needs { force: true }');
    chosen = undefined;
    return;
  }
  checkStartMethod(method);
  chosen = method;
}

/** The Node executable `spawn` starts workers with. @default process.execPath */
export function setExecutable(path: string): void {
  if (typeof path !== 'string' || path === '') {
    throw new TypeError(`Expected \`path\` to be the path of a node executable, got \`${String(path)}\``);
  }
  executable = path;
}

export const getExecutable = (): string => executable;
