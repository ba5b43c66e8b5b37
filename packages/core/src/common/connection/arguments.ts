import { types } from 'node:util';

import { invalid } from '../validate.js';

const isIndex = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** The bytes of a Buffer, typed array, DataView or ArrayBuffer, as a Uint8Array over the same memory. */
export function checkBytes(buf: unknown, name: string): Uint8Array {
  if (ArrayBuffer.isView(buf)) return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  // By brand, not instanceof: a buffer from another realm (a vm context) counts too.
  if (types.isAnyArrayBuffer(buf)) return new Uint8Array(buf);
  throw invalid(name, 'a Buffer, a typed array, a DataView or an ArrayBuffer', buf);
}

/** `offset` in bytes into a buffer of `length` bytes: from 0 to `length`. */
export function checkOffset(offset: unknown, length: number): void {
  if (!isIndex(offset) || offset > length) {
    throw invalid('offset', `an integer from 0 to the buffer's length (${length} bytes)`, offset, true);
  }
}

export function checkSize(size: unknown, offset: number, length: number): void {
  if (!isIndex(size) || offset + size > length) {
    throw invalid('size', `an integer from 0 to the ${length - offset} bytes after \`offset\``, size, true);
  }
}

/** recvBytes' `maxLength`: a non-negative integer, or none (Infinity); the error to reject with otherwise. */
export function checkMaxLength(maxLength: unknown): number | Error {
  if (maxLength === undefined || maxLength === null) return Infinity;
  return isIndex(maxLength) ? maxLength : invalid('maxLength', 'a non-negative integer', maxLength, true);
}

/** poll's `timeout`: ms ≥ 0, or null to wait forever. */
export function checkTimeout(timeout: unknown): void {
  if (timeout === null || (typeof timeout === 'number' && timeout >= 0)) return;
  throw invalid('timeout', 'a non-negative number of ms or null', timeout, true);
}
