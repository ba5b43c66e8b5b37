// A class the manager's server process imports (docs/managers.md).
export class Counter {
  #n = 0;

  increment(by = 1) {
    this.#n += by;
    return this.#n;
  }

  value() {
    return this.#n;
  }
}
