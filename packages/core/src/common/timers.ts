// setTimeout takes at most 2^31-1 ms; a longer delay (Infinity included)
// fires after 1 ms, with a warning. Every wait the API takes goes through here.

export const MAX_TIMER_MS = 0x7fffffff;

/** The delay to arm a timer with, or null for a wait without one: undefined, null, or longer than a timer holds. */
export const timerDelay = (timeout: number | null | undefined): number | null =>
  timeout === undefined || timeout === null || timeout > MAX_TIMER_MS ? null : timeout;

/** `promise`, with Node kept running until it settles, as a blocking call keeps a Python process. */
export function keepingAlive<T>(promise: Promise<T>): Promise<T> {
  const keep = setInterval(() => {}, MAX_TIMER_MS);
  return promise.finally(() => clearInterval(keep));
}

/** Resolves when `promise` does, or after `ms`, whichever comes first; the timer never outlives it. */
export async function atMost(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
