import type { Address } from '../connection/address.js';
import type { Connection } from '../connection/connection.js';
import { currentProcess } from '../process-info.js';
import { resolveTask } from '../tasks.js';
import { ManagerServer } from './manager-server.js';
import type { TypeSpec } from './registry.js';

/** What a manager's server process is started with (BaseManager.start()). */
export interface ServeSetup {
  address: Address | null;
  /** The manager's own authkey, when it was given one; else the process's (inherited). */
  authkey: Uint8Array | null;
  registry: [string, TypeSpec][];
  initializer: unknown;
  initargs: unknown[];
}

/**
 * A manager's server process: runs the initializer, listens, tells the
 * manager its address through `ready`, and serves until a client shuts it down.
 */
export async function serveManager(ready: Connection, setup: ServeSetup): Promise<void> {
  if (setup.initializer !== null) {
    const { m, n } = resolveTask(setup.initializer);
    const init = ((await import(m)) as Record<string, unknown>)[n];
    if (typeof init !== 'function')
      throw new TypeError(`The manager's initializer: ${m} has no function export '${n}'`);
    await (init as (...args: unknown[]) => unknown)(...setup.initargs);
  }
  const server = new ManagerServer(setup.authkey ?? currentProcess().authkey, new Map(setup.registry));
  const address = await server.listen(setup.address ?? undefined);
  ready.send(address);
  ready.close();
  await server.serveForever();
}
