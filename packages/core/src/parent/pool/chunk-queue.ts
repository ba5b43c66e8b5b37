import type { Chunk } from './chunk.js';

/** Chunks waiting for a worker, first in first out; taken from the head by index, compacted now and then. */
export class ChunkQueue {
  // Taken slots are cleared, so a sent chunk's arguments are not kept until the next compaction.
  #items: (Chunk | undefined)[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(chunk: Chunk): void {
    this.#items.push(chunk);
  }

  /** Puts chunks back at the front, in their order (a dead worker's unstarted ones). */
  pushFront(chunks: Chunk[]): void {
    if (chunks.length > 0) this.#items.splice(this.#head, 0, ...chunks);
  }

  peek(): Chunk | undefined {
    return this.#items[this.#head];
  }

  shift(): Chunk | undefined {
    const chunk = this.#items[this.#head];
    if (chunk !== undefined) this.#items[this.#head++] = undefined;
    return chunk;
  }

  clear(): void {
    this.#items = [];
    this.#head = 0;
  }

  /** Drops what was taken: all of it once empty, else once it is most of the array. */
  compact(): void {
    if (this.#head === this.#items.length) this.clear();
    else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }
}
