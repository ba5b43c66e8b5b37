import type net from 'node:net';

import { type Connection, connectionFriends as friends } from './connection.js';

/**
 * Joins a Pipe end's socket to a child that was started before that socket
 * existed: the child got one end of a fresh socket pair (`childSide` is ours),
 * and bytes are copied both ways between it and the end's socket. The other
 * end of the Pipe sees EOF once the child has closed its end and this process
 * has closed its copy (`end.close()`), as when the child inherits the socket.
 */
export class Relay {
  readonly #childSide: net.Socket;
  #socket: net.Socket | null = null;
  #closedHere = false;
  #childDone = false;

  constructor(end: Connection, childSide: net.Socket) {
    this.#childSide = childSide;
    childSide.on('error', () => {});
    childSide.once('close', () => this.#childClosed());
    childSide.once('end', () => this.#childClosed());
    childSide.unref();
    friends.relay(end, () => {
      this.#closedHere = true;
      this.#finish();
    });
  }

  /** The end's socket is here (the messages the end sent before it was passed are written already). */
  start(socket: net.Socket): void {
    this.#socket = socket;
    const childSide = this.#childSide;
    socket.pipe(childSide, { end: false });
    childSide.pipe(socket, { end: false });
    // The other end closed: the child sees EOF; it went: so does the child.
    socket.once('end', () => childSide.end());
    socket.once('close', () => childSide.destroy());
    this.#finish();
  }

  #childClosed(): void {
    this.#childDone = true;
    this.#finish();
  }

  #finish(): void {
    if (this.#closedHere && this.#childDone) this.#socket?.destroySoon();
  }
}
