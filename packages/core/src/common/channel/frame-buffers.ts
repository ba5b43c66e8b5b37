// The buffers a thread's large frames travel in (port-stream.ts), and the one
// it keeps for the next. A 1 MiB echo on fresh buffers touches 4 MiB of new
// pages per round trip until V8's first full GC frees them, ~32 round trips
// into a process: the page faults cost twice the echo itself. A received frame
// that nothing points into once read is kept, and the next large frame this
// thread sends is written into it, so one buffer goes back and forth.

/** Frames are allocated in whole pages, so that the reply to a frame of about its size fits in it. */
const PAGE_BYTES = 4096;
/** A larger frame's buffer is not kept: it would stay allocated for as long as the thread lives. */
const SPARE_MAX_BYTES = 16 * 1024 * 1024;

// Buffers a frame allocated for itself (or took as the spare), which nothing
// else holds and which can be transferred uncopied.
const ownBuffers = new WeakSet<ArrayBufferLike>();
// Buffers that arrived in a port message, transferred: no other thread has them.
const receivedBuffers = new WeakSet<ArrayBufferLike>();
let spare: ArrayBuffer | null = null;

/** A buffer of our own for a frame of `size` bytes that carries strings: the spare, if it fits. */
export function ownFrameBufferOf(size: number): Buffer {
  const kept = takeSpare(size);
  const buffer = kept === null ? Buffer.allocUnsafeSlow(Math.ceil(size / PAGE_BYTES) * PAGE_BYTES) : kept;
  ownBuffers.add(buffer.buffer);
  return buffer.subarray(0, size);
}

/** The spare as a buffer of `size` bytes, if it holds them without wasting more than as much again. */
export function takeSpare(size: number): Buffer<ArrayBuffer> | null {
  if (spare === null || spare.byteLength < size || spare.byteLength > 2 * size) return null;
  const buffer = Buffer.from(spare, 0, size);
  spare = null;
  return buffer;
}

/** The ArrayBuffer of `bytes` if they start a buffer a frame allocated for itself, which can be transferred uncopied. */
export function ownFrameBuffer(bytes: Uint8Array): ArrayBuffer | null {
  const { buffer } = bytes;
  return buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && ownBuffers.has(buffer) ? buffer : null;
}

/** Notes that `buffer` came in a port message: once read, it can be the spare. */
export function adoptReceived(buffer: ArrayBufferLike): void {
  receivedBuffers.add(buffer);
}

/** `read` was a port message, and nothing points into it any more: its buffer is the next spare. */
export function releaseRead(read: Uint8Array): void {
  const { buffer } = read;
  if (!(buffer instanceof ArrayBuffer) || !receivedBuffers.has(buffer) || buffer.byteLength > SPARE_MAX_BYTES) return;
  receivedBuffers.delete(buffer);
  if (spare === null || buffer.byteLength >= spare.byteLength) spare = buffer;
}
