// The part of @procpool/core this package uses beyond its public names (core's
// common/bridge.ts): task references, and values as one string for Redis.
import '@procpool/core';

export interface WireTaskRef {
  readonly m: string;
  readonly n: string;
  readonly d?: true;
}

interface Bridge {
  resolveTask(fn: unknown): WireTaskRef;
  encode(value: unknown, where: (path: string) => string, toWorker: boolean): string;
  decode(text: string): unknown;
}

const found = (globalThis as Record<symbol, Partial<Bridge> | undefined>)[Symbol.for('procpool.registry.bridge')];
if (found?.encode === undefined || found.decode === undefined || found.resolveTask === undefined) {
  throw new Error('@procpool/bullmq needs a newer @procpool/core (it has no bridge registry)');
}

export const bridge = found as Bridge;
