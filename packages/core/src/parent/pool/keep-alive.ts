/**
 * Workers and pipes are unref'd; this one timer holds Node's event loop open,
 * and only while the pool has work or someone waits for its workers to exit.
 */
export class KeepAlive {
  readonly #timer = setInterval(() => {}, 1 << 30).unref();
  #held = false;

  hold(wanted: boolean): void {
    if (wanted === this.#held) return;
    this.#held = wanted;
    if (wanted) this.#timer.ref();
    else this.#timer.unref();
  }
}
