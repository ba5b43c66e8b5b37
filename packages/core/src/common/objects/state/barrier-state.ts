// A Barrier where it lives. A round fills with parties; the last to arrive
// runs the action while the rest wait (late arrivals queue for the next
// round), then all go on. A timeout, abort(), reset() or a party's process
// dying ends the round: everyone in it gets BrokenBarrierError.
import { BrokenBarrierError } from '../errors.js';
import type { Caller, Referent } from '../referent.js';
import { checkInteger, checkTimeout } from './checks.js';
import { sameCaller, WaitQueue } from './wait-queue.js';

/** What the last party to arrive runs before any is released. */
type BarrierAction = (caller: Caller) => Promise<void>;

type Phase = 'filling' | 'running' | 'broken';

/** A Barrier's state; a wait without its own `timeout` uses the barrier's. */
export class BarrierState implements Referent {
  readonly #parties: number;
  readonly #timeout: number | null;
  readonly #action: BarrierAction | null;
  #phase: Phase = 'filling';
  // This round's parties; each waiter's data is its index (its place in arrival order).
  readonly #waiting = new WaitQueue<number, number>();
  // Arrivals while the action runs; each waiter's data is its timeout, armed once it enters a round.
  readonly #entrants = new WaitQueue<number, number | null>();
  #arrived = 0;
  #runner: Caller | null = null;
  // Counts rounds, so an action that finishes after its round ended knows it.
  #round = 0;
  #disposedWith: Error | null = null;

  constructor(parties: number, timeout: number | null, action: BarrierAction | null) {
    checkInteger(parties, 'parties', 1);
    checkTimeout(timeout);
    if (action !== null && typeof action !== 'function')
      throw new TypeError('Expected `action` to be a function or null');
    this.#parties = parties;
    this.#timeout = timeout;
    this.#action = action;
  }

  /** Resolves with this party's index (0 for the first to arrive) once all have arrived. */
  wait(caller: Caller, timeout: number | null): Promise<number> {
    checkTimeout(timeout);
    const limit = timeout ?? this.#timeout;
    if (this.#phase === 'running') return this.#entrants.add(caller, limit, null, () => {});
    return this.#arrive(caller, limit);
  }

  /** Back to empty and unbroken; parties waiting now get BrokenBarrierError. */
  reset(): void {
    this.#endRound(new BrokenBarrierError());
    this.#phase = 'filling';
    this.#admitEntrants();
  }

  /** Broken until reset(): parties waiting now, and later waits, get BrokenBarrierError. */
  abort(): void {
    this.#break();
  }

  parties(): number {
    return this.#parties;
  }

  nWaiting(): number {
    return this.#phase === 'filling' ? this.#arrived : 0;
  }

  broken(): boolean {
    return this.#phase === 'broken';
  }

  // A round missing a party would never fill: it breaks. Once all have arrived, only the runner matters.
  callerGone(caller: Caller): void {
    this.#entrants.dropCaller(caller);
    if (this.#phase === 'running') {
      this.#waiting.dropCaller(caller);
      if (sameCaller(this.#runner, caller)) this.#break();
    } else if (this.#waiting.dropCaller(caller)) {
      this.#break();
    }
  }

  dispose(error: Error): void {
    this.#disposedWith = error;
    this.#endRound(error);
    this.#entrants.rejectAll(error);
  }

  #arrive(caller: Caller, timeout: number | null): Promise<number> {
    if (this.#phase === 'broken') return Promise.reject(new BrokenBarrierError());
    const index = this.#arrived;
    this.#arrived += 1;
    if (this.#arrived === this.#parties) return this.#release(caller, index);
    return this.#waiting.add(caller, index, timeout, (waiter) => {
      waiter.reject(new BrokenBarrierError());
      this.#break();
    });
  }

  async #release(runner: Caller, index: number): Promise<number> {
    // Everyone has arrived: a timeout can no longer break this round.
    this.#waiting.disarmAll();
    if (this.#action !== null) {
      const round = this.#round;
      this.#phase = 'running';
      this.#runner = runner;
      try {
        await this.#action(runner);
      } catch (error) {
        if (round === this.#round) this.#break();
        throw error;
      }
      if (round !== this.#round) throw this.#disposedWith ?? new BrokenBarrierError();
    }
    for (const waiter of this.#waiting.takeAll()) waiter.resolve(waiter.data);
    this.#round += 1;
    this.#arrived = 0;
    this.#runner = null;
    this.#phase = 'filling';
    this.#admitEntrants();
    return index;
  }

  #break(): void {
    this.#endRound(new BrokenBarrierError());
    this.#phase = 'broken';
    this.#entrants.rejectAll(new BrokenBarrierError());
  }

  #endRound(error: Error): void {
    this.#round += 1;
    this.#arrived = 0;
    this.#runner = null;
    this.#waiting.rejectAll(error);
  }

  // Stops when a round fills and its action starts running: the rest wait for that round.
  #admitEntrants(): void {
    while (this.#phase === 'filling') {
      const entrant = this.#entrants.shift();
      if (entrant === undefined) return;
      this.#arrive(entrant.caller, entrant.data).then(entrant.resolve, entrant.reject);
    }
  }
}
