import { Future } from '@procpool/futures';

// Futures in each state, set by hand as an executor would: CPython's test util's PENDING_FUTURE and friends.
export const pending = (): Future<number> => new Future<number>();

export function running(): Future<number> {
  const future = new Future<number>();
  future.setRunningOrNotifyCancel();
  return future;
}

export function cancelled(): Future<number> {
  const future = new Future<number>();
  future.cancel();
  return future;
}

export function succeeded(value = 42): Future<number> {
  const future = new Future<number>();
  future.setResult(value);
  return future;
}

export function failed(error: unknown = new RangeError('boom')): Future<number> {
  const future = new Future<number>();
  future.setException(error);
  return future;
}
