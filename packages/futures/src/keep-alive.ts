// One interval for every pending wait, not one each: a wait keeps Node alive
// as a blocking call keeps a Python process, and thousands of awaited futures
// cost one timer.
const MAX_TIMER_MS = 0x7fffffff;

let holders = 0;
let keep: NodeJS.Timeout | undefined;

/** `promise`, with Node kept running until it settles. */
export function keepingAlive<T>(promise: Promise<T>): Promise<T> {
  holders += 1;
  keep ??= setInterval(() => {}, MAX_TIMER_MS);
  return promise.finally(() => {
    holders -= 1;
    if (holders === 0) {
      clearInterval(keep);
      keep = undefined;
    }
  });
}
