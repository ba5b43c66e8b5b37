import type { SingleBar } from 'cli-progress';

/** What the progress display shows, read on each redraw. */
interface Counts {
  /** Inputs finished in this run (written, or failed for good). */
  readonly done: number;
  readonly failed: number;
  readonly restarts: number | undefined;
  /** Inputs found already done in the output (`--resume`). */
  readonly resumed: number;
}

const seconds = (ms: number): string => {
  const s = Math.round(ms / 1000);
  return s < 60
    ? `${s}s`
    : s < 3600
      ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
      : `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`;
};
const workers = (restarts: number | undefined): string =>
  restarts === undefined ? '' : `, ${restarts} worker restarts`;
const rateOf = (done: number, ms: number): number => (ms > 0 ? (done * 1000) / ms : 0);
const formatRate = (rate: number): string => (rate >= 100 ? Math.round(rate).toLocaleString('en-US') : rate.toFixed(1));

/**
 * Progress on stderr: a bar redrawn in place (cli-progress, loaded only then)
 * when stderr is a terminal; otherwise one plain status line every
 * `interval` ms, with no escape codes; and a summary line at the end.
 */
export class Progress {
  readonly #counts: () => Counts;
  readonly #interval: number;
  readonly #started = performance.now();
  #total: number | undefined;
  #bar: SingleBar | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(counts: () => Counts, interval: number, total: Promise<number> | undefined) {
    this.#counts = counts;
    this.#interval = interval;
    if (process.stderr.isTTY) {
      // A file's line count comes first (it reads at disk speed), so the bar knows its length.
      void (total ?? Promise.resolve(undefined)).then(
        (lines) => this.#startBar(lines),
        () => this.#startBar(undefined),
      );
    } else {
      void total?.then(
        (lines) => (this.#total = lines),
        () => {},
      );
      this.#timer = setInterval(() => process.stderr.write(`procpool: ${this.#status()}\n`), this.#interval).unref();
    }
  }

  async #startBar(total: number | undefined): Promise<void> {
    this.#total = total;
    const { SingleBar, Presets } = (await import('cli-progress')).default;
    if (this.#stopped) return;
    const known = total !== undefined;
    this.#bar = new SingleBar(
      {
        stream: process.stderr,
        format: known
          ? '{bar} {value}/{total} {percentage}% | {rate}/s | ETA {eta_} | {failed} failed{restarts}'
          : '{value} done | {rate}/s | {failed} failed{restarts}',
        hideCursor: true,
        clearOnComplete: true,
        fps: 10,
        barsize: 30,
      },
      Presets.shades_classic,
    );
    const { done, resumed } = this.#counts();
    this.#bar.start(total ?? 0, done + resumed, this.#payload());
    this.#timer = setInterval(
      () => this.#bar?.update(this.#counts().done + this.#counts().resumed, this.#payload()),
      100,
    ).unref();
  }

  #payload(): Record<string, string | number> {
    const { done, failed, restarts, resumed } = this.#counts();
    const elapsed = performance.now() - this.#started;
    const rate = rateOf(done, elapsed);
    const left = this.#total === undefined ? undefined : this.#total - done - resumed;
    return {
      rate: formatRate(rate),
      eta_: left === undefined || rate === 0 ? '?' : seconds((left / rate) * 1000),
      failed,
      restarts: restarts === undefined ? '' : ` | ${restarts} restarts`,
    };
  }

  #status(): string {
    const { done, failed, restarts, resumed } = this.#counts();
    const total = this.#total === undefined ? '' : `/${this.#total}`;
    const { rate, eta_ } = this.#payload();
    const eta = this.#total === undefined ? '' : `, ETA ${eta_}`;
    return `${done + resumed}${total} done, ${rate}/s${eta}, ${failed} failed${workers(restarts)}`;
  }

  /** Stops redrawing and writes the summary line (unless told not to). */
  stop(summary: string | undefined): void {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#bar?.stop();
    if (summary !== undefined) process.stderr.write(`procpool: ${summary}\n`);
  }

  /** The end-of-run line: what was done, how fast, what failed. */
  summary(): string {
    const { done, failed, restarts, resumed } = this.#counts();
    const elapsed = performance.now() - this.#started;
    const before = resumed > 0 ? ` (${resumed} already in the output)` : '';
    return `${done} done${before}, ${failed} failed${workers(restarts)}, in ${(elapsed / 1000).toFixed(1)}s (${formatRate(rateOf(done, elapsed))}/s)`;
  }
}
