import { ProcessError } from '../errors.js';

/** `recv()` on a Connection whose other end has closed, with no message left to read. */
export class EOFError extends ProcessError {
  constructor(message = 'The other end of the connection has closed and no message is left to read') {
    super(message);
  }
}
EOFError.prototype.name = 'EOFError';

/** `recvBytesInto()` got a message longer than the room in its buffer; `.bytes` holds the whole message. */
export class BufferTooShort extends ProcessError {
  readonly bytes: Buffer;
  constructor(bytes: Buffer, room: number) {
    super(`A message of ${bytes.length} bytes does not fit in the ${room} bytes of the buffer from its offset`);
    this.bytes = bytes;
  }
}
BufferTooShort.prototype.name = 'BufferTooShort';

/** `send()` on a Connection whose other end is known to be gone (EPIPE). */
export class BrokenPipeError extends ProcessError {
  readonly code = 'EPIPE';
  constructor(message = 'The other end of the connection is gone (EPIPE)') {
    super(message);
  }
}
BrokenPipeError.prototype.name = 'BrokenPipeError';

/** The other side of a Listener or Client does not know the authkey, or does not speak the handshake. */
export class AuthenticationError extends ProcessError {}
AuthenticationError.prototype.name = 'AuthenticationError';
