// The distributed demo's tasks. The client names them (this file's URL and the
// export name) and the workers import this file to run them, so on other
// machines it must sit at the same path, or be installed as a package.
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineTasks } from '@procpool/core';

export class ParseError extends Error {}
ParseError.prototype.name = 'ParseError'; // so its stack reads ParseError: …

export const { shout, whoRuns, parseRecord } = defineTasks(import.meta.url, {
  shout: async (word) => {
    await sleep(20); // a little work, so both workers get some
    return word.toUpperCase();
  },
  // process.ppid: the `procpool worker` whose local pool runs this task.
  whoRuns: async (word) => {
    await sleep(20);
    return { word, worker: process.ppid, pid: process.pid, host: hostname() };
  },
  parseRecord: (line) => {
    const [name, age] = line.split(',');
    if (age === undefined) throw new ParseError(`no age in record ${JSON.stringify(line)}`);
    return { name, age: Number(age) };
  },
});
