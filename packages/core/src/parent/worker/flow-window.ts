// How many chunks a worker may hold: the running one and ~8 ms of work queued
// behind it. Short chunks travel in batches (one write, one read for many); a
// worker never waits on the parent between chunks, even when the parent is
// slow to run because the workers keep every core busy; and long chunks are
// not hoarded (one queued at most) while another worker could start them.
const QUEUED_WORK_MS = 8;
const MIN_WINDOW = 2;
const MAX_WINDOW = 256;

/** The most chunks a worker may hold, from the moving average of the time one takes there. */
export class FlowWindow {
  /** Chunks the worker may hold now. */
  size = MIN_WINDOW * 2;
  #serviceMs = 0;
  #lastAnswer = 0;

  /** A chunk was sent to an idle worker: it could start now. */
  startedIdle(now: number): void {
    this.#lastAnswer = now;
  }

  /** An answer came: what it cost is the time since the worker could start it (the last answer, or the send). */
  answered(now: number): void {
    const took = now - this.#lastAnswer;
    this.#lastAnswer = now;
    this.#serviceMs = this.#serviceMs === 0 ? took : this.#serviceMs * 0.8 + took * 0.2;
    const queued = Math.ceil(QUEUED_WORK_MS / Math.max(this.#serviceMs, 0.001));
    this.size = Math.min(MAX_WINDOW, Math.max(MIN_WINDOW, 1 + queued));
  }
}
