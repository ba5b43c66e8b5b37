// The demo's worker module: every function here runs in a separate process.
import { defineTasks } from '@procpool/core';

export class ParseError extends Error {}

export const { wordCount, parseRecord, crash, whoRuns } = defineTasks(import.meta.url, {
  wordCount: (text) => text.split(/\s+/).filter(Boolean).length,
  parseRecord: (line) => {
    const [name, age] = line.split(',');
    if (age === undefined) throw new ParseError(`no age in record ${JSON.stringify(line)}`);
    return { name, age: Number(age) };
  },
  // What a segfaulting native addon looks like from the outside.
  crash: () => process.kill(process.pid, 'SIGSEGV'),
  whoRuns: (i) => ({ task: i, pid: process.pid }),
});
