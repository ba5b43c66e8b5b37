// What the driver (run.ts) asks of a command's way of running input lines:
// map's pool (map.ts) or exec's commands (exec.ts).

/** One input line and its place in the input. */
export interface Item {
  readonly index: number;
  readonly text: string;
  /** Runs so far that failed (for `--retries`). */
  failures: number;
}

/** What running one item gave. */
export interface Outcome {
  readonly failed: boolean;
  /** The JSON members after `"index":N,` in the output line. */
  readonly json?: string;
  /** With exec's `--passthrough`: the command's output, written as is. */
  readonly stdout?: string;
  readonly stderr?: string;
  /** For the summary of a `--fail-fast` stop. */
  readonly reason: string;
}

/** How a command runs items: map's pool, or exec's commands. */
export interface Backend {
  /** Items given to one run() call. */
  readonly batchSize: number;
  /** run() calls that may be pending at once: at least `minBatches`, more while they finish fast. */
  readonly maxBatches: number;
  /** Enough pending run() calls to keep every worker busy. */
  readonly minBatches: number;
  /** Checks what can be checked before any input runs; throws a UsageError. */
  start(): Promise<void>;
  /** An outcome per item, in order; `undefined` once kill() was called. Should it reject, its items fail so. */
  run(items: readonly Item[]): Promise<Outcome[] | undefined>;
  /** Worker processes replaced so far; undefined where there are no workers (exec). */
  restarts(): number | undefined;
  /** Kills running work; pending run() calls resolve to undefined. */
  kill(): Promise<void>;
  /** Ends cleanly after the last run() settled. */
  close(): Promise<void>;
}

/** An input line's failure from an error procpool saw (a worker lost, a timeout): name, message and stack. */
export function failureOf(error: unknown): Outcome {
  const { name, message, stack } = error instanceof Error ? error : new Error(String(error));
  return { failed: true, json: `"error":${JSON.stringify({ name, message, stack })}`, reason: `${name}: ${message}` };
}
