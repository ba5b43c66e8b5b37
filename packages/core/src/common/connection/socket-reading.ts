import type net from 'node:net';

// The libuv handle under a net.Socket. Node's own pause() stops it only for
// sockets made with `onread`; for the others it reads on until the stream's
// buffer is full, and a Connection passed to a child must read nothing more.
interface StreamHandle {
  reading?: boolean;
  readStart?(): number;
  readStop?(): number;
}

const handleOf = (socket: net.Socket): StreamHandle | undefined =>
  (socket as unknown as { _handle?: StreamHandle | null })._handle ?? undefined;

/**
 * Stops reading `socket` now: what Node has buffered is emitted as 'data'
 * first, then the handle stops, as Node's pause() does for `onread` sockets.
 */
export function stopReading(socket: net.Socket): void {
  socket.pause();
  while (socket.read() !== null);
  const handle = handleOf(socket);
  if (handle?.reading === true && typeof handle.readStop === 'function') {
    handle.reading = false;
    handle.readStop();
  }
}

/** Undoes stopReading(). */
export function startReading(socket: net.Socket): void {
  const handle = handleOf(socket);
  if (handle?.reading === false && typeof handle.readStart === 'function' && !socket.connecting) {
    handle.reading = true;
    handle.readStart();
  }
  socket.resume();
}
