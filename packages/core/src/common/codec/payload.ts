/** A value's wire form: its text, plus the large strings and byte arrays carried raw after it. */
export interface Payload {
  text: string;
  parts: readonly Part[];
}

/** A string (`s`), a Buffer (`b`) or a plain Uint8Array (`u`), carried as raw bytes after the frame body. */
export type Part = { kind: 's'; value: string } | { kind: 'b' | 'u'; value: Uint8Array };

export const NO_PARTS: readonly Part[] = Object.freeze([]);

/** The payload of a frame that carries no value. */
export const NO_PAYLOAD: Payload = Object.freeze({ text: '', parts: NO_PARTS });

/** Byte arrays from this size on travel out of band, so they are never copied into text. */
export const OUT_OF_BAND_BYTES = 32 * 1024;

/** Strings from this length on (in UTF-16 units) travel out of band, so they are never escaped into text. */
export const OUT_OF_BAND_CHARS = OUT_OF_BAND_BYTES / 4;

/** `value` as a part of its own if it is large enough to travel out of band (a Buffer, a plain Uint8Array or a string); otherwise null. */
export function rawPart(value: unknown): Part | null {
  if (typeof value === 'string') return value.length < OUT_OF_BAND_CHARS ? null : { kind: 's', value };
  if (!(value instanceof Uint8Array) || value.byteLength < OUT_OF_BAND_BYTES) return null;
  if (Buffer.isBuffer(value)) return { kind: 'b', value };
  // A subclass of Uint8Array itself has no kind of its own: it stays in devalue's text.
  return Object.getPrototypeOf(value) === Uint8Array.prototype ? { kind: 'u', value } : null;
}
