import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { UsageError } from './usage-error.js';

/** The input stream: FILE, or stdin. A file that cannot be opened is a usage error. */
export async function openInput(file: string | undefined): Promise<Readable> {
  if (file === undefined) return process.stdin;
  const handle = await fs.promises.open(file, 'r').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read --input ${file}: ${error.code ?? error.message}`);
  });
  if ((await handle.stat()).isDirectory()) {
    await handle.close();
    throw new UsageError(`--input ${file} is a directory`);
  }
  return handle.createReadStream({ highWaterMark: 64 * 1024 });
}

/**
 * The lines of a stream, a chunk's worth at a time, read as they are
 * consumed: one chunk is held at a time, so a stream of any size takes
 * constant memory. A `\r` before the `\n` is dropped; a last line without
 * `\n` counts; an empty input has no lines.
 */
export async function* readLines(stream: Readable): AsyncGenerator<string[]> {
  const decoder = new StringDecoder('utf8');
  // The start of a line that has no end yet, in pieces: a line of many chunks is joined once, not rescanned.
  let pieces: string[] = [];
  const line = (text: string): string => (text.endsWith('\r') ? text.slice(0, -1) : text);
  for await (const chunk of stream) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer);
    let end = text.indexOf('\n');
    if (end === -1) {
      if (text !== '') pieces.push(text);
      continue;
    }
    const lines = [line(pieces.length === 0 ? text.slice(0, end) : pieces.join('') + text.slice(0, end))];
    pieces = [];
    let start = end + 1;
    for (end = text.indexOf('\n', start); end !== -1; end = text.indexOf('\n', start)) {
      lines.push(line(text.slice(start, end)));
      start = end + 1;
    }
    if (start < text.length) pieces.push(text.slice(start));
    yield lines;
  }
  const rest = pieces.join('') + decoder.end();
  if (rest !== '') yield [line(rest)];
}

/** How many lines FILE has (as readLines counts them), read in the background for the progress bar's total. */
export async function countLines(file: string): Promise<number> {
  let lines = 0;
  let last = 10;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 256 * 1024 })) {
    const bytes = chunk as Buffer;
    for (let at = bytes.indexOf(10); at !== -1; at = bytes.indexOf(10, at + 1)) lines++;
    if (bytes.length > 0) last = bytes[bytes.length - 1]!;
  }
  return last === 10 ? lines : lines + 1;
}
