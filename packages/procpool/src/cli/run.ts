import fs from 'node:fs';
import type { Options } from './args.js';
import { UsageError } from './usage-error.js';
import { countLines, openInput, readLines } from './input.js';
import { IndexSet, Output, readDone } from './output.js';
import { Progress } from './progress.js';
import { failureOf, type Backend, type Outcome, type Item } from './backend.js';

const QUEUED_MS = 50;
const WINDOW_BATCHES = 256;
const OUTPUT_BACKLOG = 1024 * 1024;

function sameFile(a: string, b: string): boolean {
  try {
    const [x, y] = [fs.statSync(a), fs.statSync(b)];
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false; // the output does not exist yet
  }
}

/** Exit codes (docs/cli.md); 128 + the signal's number after SIGTERM (143) or SIGHUP (129). */
const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

interface Slot {
  readonly item: Item;
  outcome?: Outcome;
}

/**
 * Reads the input, runs each line through the backend within a bounded
 * window, writes the outcomes (in input order, or as they come with
 * `--unordered`), shows progress, handles SIGINT/SIGTERM, and returns the
 * exit code.
 */
export async function run(options: Options, backend: Backend): Promise<number> {
  // The task is checked before the output is opened: a usage error leaves an existing FILE as it was.
  let input: Awaited<ReturnType<typeof openInput>>;
  let output: Output;
  let done: IndexSet;
  try {
    input = await openInput(options.input);
    await backend.start();
    if (options.input !== undefined && options.output !== undefined && sameFile(options.input, options.output)) {
      throw new UsageError('--input and --output are the same file: writing would empty it before it is read');
    }
    done = options.resume ? readDone(options.output!) : new IndexSet();
    output = new Output(options.output, options.resume);
  } catch (error) {
    await backend.kill();
    throw error;
  }

  // Lines dispatched and not yet written: in input order a slow line holds back
  // those after it, so this is more than run() calls in flight (GNU parallel's
  // -k keeps its slots busy the same way).
  const window = backend.batchSize * Math.max(backend.maxBatches, WINDOW_BATCHES);
  // Dispatched, in input order, from `head` on not yet written (written slots are cleared, not kept).
  const written: (Slot | undefined)[] = [];
  let head = 0;
  let inFlight = 0;
  let counts = { done: 0, failed: 0 };
  let stopping: 'no' | 'finish' | 'kill' = 'no';
  let interruptedBy: number = EXIT.interrupted;
  let failedFast: string | undefined;
  let readError: Error | undefined;
  let outputError: NodeJS.ErrnoException | undefined;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };

  const progress = options.quiet
    ? undefined
    : new Progress(
        () => ({ ...counts, restarts: backend.restarts(), resumed: done.size }),
        options.progressInterval,
        // Only a regular file is read twice: a FIFO or /dev/stdin would split its lines between the two readers.
        options.input !== undefined && fs.statSync(options.input).isFile() ? countLines(options.input) : undefined,
      );

  // A command's own output (--passthrough) ends with a newline, so the next one starts a line of its own.
  const whole = (text: string): string => (text.endsWith('\n') ? text : `${text}\n`);
  let full = false;
  // Counted as written: after an abrupt stop, what finished but waits behind an unfinished line is not done.
  const write = (slot: Slot): void => {
    const { json, stdout, stderr, failed } = slot.outcome!;
    counts = { done: counts.done + 1, failed: counts.failed + (failed ? 1 : 0) };
    if (json !== undefined) full = output.add(`{"index":${slot.item.index},${json}}\n`) || full;
    if (stdout !== undefined && stdout !== '') full = output.add(whole(stdout)) || full;
    if (stderr !== undefined && stderr !== '') process.stderr.write(whole(stderr));
  };
  const drain = (): void => {
    for (let slot = written[head]; slot?.outcome !== undefined; slot = written[head]) {
      write(slot);
      written[head++] = undefined;
    }
    if (head > 4096 && head * 2 > written.length) {
      written.splice(0, head);
      head = 0;
    }
  };
  // Many results settle in one event-loop turn (a worker answers a run of tasks at once): one write for them all.
  let flushing: NodeJS.Immediate | undefined;
  const flushSoon = (): void => {
    flushing ??= setImmediate(flush);
  };
  const flush = (): void => {
    clearImmediate(flushing);
    flushing = undefined;
    full = false;
    output.flush();
  };
  // A write that failed (EPIPE: the reader went away) ends the run; one that ended may make room.
  output.onWritten = (): void => {
    if (output.error !== undefined && outputError === undefined) {
      outputError = output.error;
      stop('kill');
    }
    notify();
  };

  const stop = (how: 'finish' | 'kill'): void => {
    if (stopping === 'kill' || stopping === how) return;
    stopping = how;
    input.destroy();
    if (how === 'kill') void backend.kill();
    notify();
  };

  const settle = (slots: readonly Slot[], outcomes: Outcome[] | undefined): void => {
    inFlight--;
    finished++;
    const again: Slot[] = [];
    slots.forEach((slot, i) => {
      const outcome = outcomes?.[i];
      if (outcome === undefined) return; // killed: not done, so --resume runs it again
      if (outcome.failed && slot.item.failures < options.retries && stopping !== 'kill') {
        slot.item.failures++;
        again.push(slot);
        return;
      }
      if (outcome.failed && options.failFast) {
        // Not written: the run stops here, and --resume runs this input again.
        failedFast ??= `input ${slot.item.index}: ${outcome.reason}`;
        counts = { ...counts, failed: counts.failed + 1 };
        stop('kill');
        return;
      }
      slot.outcome = outcome;
      if (options.unordered) write(slot);
    });
    for (const slot of again) dispatch([slot]);
    if (!options.unordered) drain();
    if (full) flush();
    else flushSoon();
    notify();
  };

  function dispatch(slots: Slot[]): void {
    inFlight++;
    void backend.run(slots.map((slot) => slot.item)).then(
      (outcomes) => settle(slots, outcomes),
      // A backend's own failure (it should not happen) fails its inputs: they are never lost.
      (error: unknown) =>
        settle(
          slots,
          slots.map(() => failureOf(error)),
        ),
    );
  }

  // Batches in flight: enough to keep the workers busy, plus about QUEUED_MS
  // of work at the rate they finish (up to maxBatches). So fast tasks go to the
  // pool many at a time, while after an interrupt, beyond the running tasks,
  // only that much queued work is left to finish (docs/cli.md).
  const startedAt = performance.now();
  let finished = 0;
  const batchLimit = (): number => {
    const rate = finished / Math.max(performance.now() - startedAt, 1);
    return Math.min(backend.maxBatches, backend.minBatches + Math.floor(rate * QUEUED_MS));
  };
  // A full window refills once half of it is free (one pool write for many tasks), or one below it when small.
  let windowFull = false;
  const hasRoom = (): boolean => {
    if (stopping !== 'no') return true;
    // Output not yet written counts too: a slow reader of stdout slows the reading of the input.
    if (output.backlog >= OUTPUT_BACKLOG) return false;
    const limit = batchLimit();
    const items = options.unordered ? inFlight * backend.batchSize : written.length - head;
    // Never below the workers' count: a worker that finishes always finds its next batch.
    const low = Math.max(Math.min(backend.minBatches, limit - 1), Math.floor(limit / 2));
    if (windowFull) windowFull = inFlight > low || items > window / 2;
    else windowFull = inFlight >= limit || items >= window;
    return !windowFull;
  };

  // After the kill, one more signal ends procpool at once (a reader of stdout that never reads, a
  // command holding its pipes): what was written stays, exec's watchdog takes its commands.
  const onInterrupt = (): void => {
    if (stopping === 'kill') process.exit(interruptedBy);
    if (stopping === 'no') {
      if (!options.quiet)
        process.stderr.write('\nprocpool: interrupted: finishing the running tasks (interrupt again to kill them)\n');
      stop('finish');
    } else stop('kill');
  };
  const onTerminate = (signal: NodeJS.Signals): void => {
    const code = 128 + (signal === 'SIGHUP' ? 1 : 15);
    if (stopping === 'kill') process.exit(code);
    if (stopping === 'no') interruptedBy = code;
    stop('kill');
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onTerminate);
  process.on('SIGHUP', onTerminate);

  let index = 0;
  let batch: Slot[] = [];
  const send = (): void => {
    if (batch.length === 0) return;
    if (!options.unordered) written.push(...batch);
    dispatch(batch);
    batch = [];
  };
  try {
    reading: for await (const lines of readLines(input)) {
      for (const text of lines) {
        const at = index++;
        if (done.has(at)) continue;
        batch.push({ item: { index: at, text, failures: 0 } });
        if (batch.length < backend.batchSize) continue;
        while (!hasRoom()) await new Promise<void>((resolve) => (wake = resolve));
        if (stopping !== 'no') break reading;
        send();
      }
    }
  } catch (error) {
    // Destroying the input to stop reading ends the loop with an error; any other is a read error.
    if (stopping === 'no') {
      readError = error as Error;
      process.stderr.write(`procpool: cannot read the input: ${readError.message}\n`);
      stop('finish');
    }
  }
  if (stopping === 'no') {
    while (!hasRoom()) await new Promise<void>((resolve) => (wake = resolve));
    if (stopping === 'no') send();
  }
  while (inFlight > 0) await new Promise<void>((resolve) => (wake = resolve));
  input.destroy();

  flush();
  try {
    await output.close();
  } catch (error) {
    outputError ??= error as NodeJS.ErrnoException;
  }
  await ((stopping as string) === 'kill' ? backend.kill() : backend.close());
  process.off('SIGINT', onInterrupt);
  process.off('SIGTERM', onTerminate);
  process.off('SIGHUP', onTerminate);

  const interrupted =
    stopping !== 'no' && failedFast === undefined && outputError === undefined && readError === undefined;
  progress?.stop(
    options.quiet
      ? undefined
      : progress.summary() + (failedFast === undefined ? '' : `; stopped by --fail-fast at ${failedFast}`),
  );
  if (outputError !== undefined) {
    if (outputError.code === 'EPIPE') return 141; // the reader went away, as a shell reports SIGPIPE
    process.stderr.write(`procpool: cannot write to ${output.toString()}: ${outputError.message}\n`);
    return EXIT.failed;
  }
  if (interrupted) return interruptedBy;
  if (readError !== undefined) return EXIT.failed;
  return counts.failed > 0 ? EXIT.failed : EXIT.ok;
}
