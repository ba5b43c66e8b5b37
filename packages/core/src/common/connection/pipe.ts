import { mkdtempSync, rmSync } from 'node:fs';
import { fitsSocketPath } from '../socket-path.js';
import net from 'node:net';
import path from 'node:path';

import { lazyOs } from '../builtins.js';
import { ProcessError } from '../errors.js';
import { checkOptions, invalid } from '../validate.js';
import { Connection, connectionFriends as friends } from './connection.js';
import { Relay } from './relay.js';
import { SocketReads } from './socket-reading.js';

/** Options of `Pipe()`. */
export interface PipeOptions {
  /** Both ends send and receive; `false`: the first end only receives, the second only sends. @default true */
  duplex?: boolean | undefined;
}

type PendingEnd = Connection & { attach(socket: net.Socket, reads?: SocketReads): void };

// Node has no socketpair(): a Pipe's two sockets are a Unix socket we
// connect to a server of our own. The connecting socket exists at once; the
// accepted one a turn of the event loop later. Until then both ends are
// pending, so that the first end passed to a child can take the connecting
// socket, whose descriptor a spawn can already inherit.
interface PipeSockets {
  readonly ends: readonly [PendingEnd, PendingEnd];
  readonly connecting: net.Socket;
  /** The connecting socket's `onread`: its end reads into its own buffers (the accepted one reads through 'data'). */
  readonly reads: SocketReads;
  /** The end that took the connecting socket, once one has. */
  connectingEnd: Connection | null;
  accepted: boolean;
  /** An end passed to a child before its socket was here, and the relay that will join them. */
  relay: { end: Connection; relay: Relay } | null;
}

const pipes = new WeakMap<Connection, PipeSockets>();

/**
 * Two Connections joined to each other, as Python's `multiprocessing.Pipe`:
 * `[a, b]`, each sending to the other; with `duplex: false`, `[readOnly, writeOnly]`.
 * @example
 * const [a, b] = Pipe();
 * a.send([1, 'hello', null]);
 * await b.recv(); // [ 1, 'hello', null ]
 */
export function Pipe(options: PipeOptions = {}): [Connection, Connection] {
  const duplex = checkPipeOptions(options);
  // A private (0700) directory: nobody else can connect before we do.
  let dir: string;
  try {
    dir = mkdtempSync(path.join(lazyOs().tmpdir(), 'procpool-pipe-'));
  } catch (error) {
    throw new ProcessError(`Cannot make a Pipe: cannot create a directory for its socket (${String(error)})`, {
      cause: error,
    });
  }
  let connecting: net.Socket;
  let server: net.Server;
  const reads = new SocketReads();
  try {
    const socketPath = path.join(dir, 'p');
    if (!fitsSocketPath(socketPath)) {
      throw new ProcessError(`Cannot make a Pipe: the temporary directory's path is too long for a socket (${dir})`);
    }
    server = net.createServer({ pauseOnConnect: true });
    server.on('error', () => {});
    // exclusive: in a cluster worker, listen here rather than through the primary.
    server.listen({ path: socketPath, exclusive: true });
    // A Unix server binds and listens synchronously; its error would come on the next tick.
    if (!server.listening) {
      server.close();
      throw new ProcessError(`Cannot make a Pipe: cannot listen on a Unix socket in ${dir}`);
    }
    // connect() on a Unix socket is done when net.connect returns: the path is not needed any more.
    connecting = net.connect({ path: socketPath, onread: reads.onread });
    // Nothing is read before an end has it (attach resumes it), or ever if it goes to a child first.
    connecting.pause();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const a = Connection.pending({ readable: true, writable: duplex });
  const b = Connection.pending({ readable: duplex, writable: true });
  const sockets: PipeSockets = { ends: [a, b], connecting, reads, connectingEnd: null, accepted: false, relay: null };
  pipes.set(a, sockets);
  pipes.set(b, sockets);
  server.once('connection', (accepted) => {
    server.close();
    assignSockets(sockets, accepted);
  });
  connecting.on('error', () => {});
  // Connecting failed (out of descriptors?): no accept will come, and both ends see EOF.
  // (Not 'close': an end closed before the accept has destroyed the socket itself.)
  connecting.once('error', () => {
    if (sockets.accepted) return;
    server.close();
    sockets.accepted = true;
    if (sockets.connectingEnd === null) for (const end of sockets.ends) end.attach(connecting, reads);
    else otherEnd(sockets, sockets.connectingEnd).attach(connecting, reads);
  });
  return [a, b];
}

const PIPE_OPTIONS: ReadonlySet<string> = new Set(['duplex']);

function checkPipeOptions(options: unknown): boolean {
  const { duplex = true } = checkOptions(options, PIPE_OPTIONS, 'Pipe') as PipeOptions;
  if (typeof duplex !== 'boolean') throw invalid('duplex', 'a boolean', duplex);
  return duplex;
}

const otherEnd = (sockets: PipeSockets, end: Connection): PendingEnd =>
  sockets.ends[0] === end ? sockets.ends[1] : sockets.ends[0];

function assignSockets(sockets: PipeSockets, accepted: net.Socket): void {
  sockets.accepted = true;
  accepted.on('error', () => {});
  if (sockets.connectingEnd === null) {
    sockets.connectingEnd = sockets.ends[1];
    sockets.ends[1].attach(sockets.connecting, sockets.reads);
  }
  const end = otherEnd(sockets, sockets.connectingEnd);
  end.attach(accepted);
  if (sockets.relay?.end === end) sockets.relay.relay.start(accepted);
}

/**
 * The socket a spawn can give a child for `end` now: the connecting one if
 * no end has taken it yet; null if `end`'s socket has not been accepted yet
 * (relayTo() then joins a socket pair of the spawn's to it once it is).
 * Ends that are not a Pipe's pending ones have their socket already.
 */
export function claimSocket(end: Connection): net.Socket | null {
  const socket = friends.socketOf(end);
  if (socket !== null) return socket;
  const sockets = pipes.get(end);
  if (sockets === undefined) throw new ProcessError('This Connection has no socket to pass to a child');
  if (sockets.connectingEnd !== null) return null;
  sockets.connectingEnd = end;
  (end as PendingEnd).attach(sockets.connecting, sockets.reads);
  return sockets.connecting;
}

/** `end` went to a child whose end of a socket pair is `childSide`'s peer: relays the two once `end`'s socket is here. */
export function relayTo(end: Connection, childSide: net.Socket): void {
  const relay = new Relay(end, childSide);
  const socket = friends.socketOf(end);
  if (socket !== null) relay.start(socket);
  else (pipes.get(end) as PipeSockets).relay = { end, relay };
}
