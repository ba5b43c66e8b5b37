import type { Address } from '../connection/address.js';
import { currentProcess } from '../process-info.js';
import { sharedRegistry } from '../registry.js';
import { addressKey } from './addresses.js';
import { ObjectClient } from './client.js';
import { ObjectServer } from './server.js';

// The object servers this process hosts, by address: a handle that arrives
// for one of them calls its referent directly.
const hosted = new Map<string, ObjectServer>();
// This process's connections to other processes' servers, by address.
const clients = new Map<string, ObjectClient>();
// Keys other than this process's authkey, for servers a manager named one for.
const authkeys = new Map<string, Uint8Array>();

let processServer: ObjectServer | null = null;
// Every copy of procpool's process server here, for whoever must close them
// all (a test runner between files: their sockets' directories go with them).
const processServers = sharedRegistry('processServers', () => new Set<{ close(): void }>());

/** How messages name this process as a host: `Process-1 (pid 123)`. */
export function hostName(): string {
  const { name, pid } = currentProcess();
  return `${name} (pid ${pid})`;
}

/** The server of the objects this process creates (queues, locks, values), made on first use. */
export function processHost(): ObjectServer {
  if (processServer === null || processServer.closed) {
    const server = new ObjectServer(currentProcess().authkey);
    processServers.add(server);
    server.onClose(() => processServers.delete(server));
    processServer = server;
  }
  return processServer;
}

/** `server`'s address, listening (on a private Unix socket) if it was not yet: a handle to one of its objects is leaving. */
export function addressOf(server: ObjectServer): Address {
  if (server.address !== null) return server.address;
  server.listen().catch(() => {
    // Clients that cannot connect are told so by their own connection.
  });
  const address = server.address as Address | null;
  if (address === null) throw new Error('A private object server has no address after listen()');
  hosted.set(addressKey(address), server);
  return address;
}

/** Records that `server`, listening at `address`, is hosted here. */
export function hostHere(server: ObjectServer, address: Address): void {
  hosted.set(addressKey(address), server);
}

/** The server hosted here at `address`, if any. */
export function hostedAt(address: Address): ObjectServer | undefined {
  const server = hosted.get(addressKey(address));
  return server?.closed === false ? server : undefined;
}

/** Calls to the server at `address` authenticate with `authkey` rather than this process's. */
export function useAuthkey(address: Address, authkey: Uint8Array): void {
  authkeys.set(addressKey(address), authkey);
}

/** This process's connection to the server at `address` (a new one if the last has failed). */
export function clientOf(address: Address, host: string): ObjectClient {
  const key = addressKey(address);
  let client = clients.get(key);
  if (client === undefined || client.failed) {
    client = new ObjectClient(address, authkeys.get(key) ?? currentProcess().authkey, host);
    clients.set(key, client);
  }
  return client;
}
