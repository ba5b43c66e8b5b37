// The client: node examples/distributed/client.mjs redis://127.0.0.1:6379
// Any machine that reaches Redis can be one; the workers run the tasks.
import { DistributedPool } from '@procpool/bullmq';
import { registerErrorClass } from '@procpool/core';
import { ParseError, parseRecord, shout, whoRuns } from './tasks.mjs';

registerErrorClass(ParseError); // so the error comes back as a ParseError
const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot'];

const pool = new DistributedPool({ connection: process.argv[2], queue: 'demo' });
try {
  console.log('== map: in input order, computed on the workers');
  console.log(await pool.map(shout, words));

  console.log('\n== imapUnordered: who ran what, as they finish');
  for await (const { word, worker, pid } of pool.imapUnordered(whoRuns, words)) {
    console.log(`${word.padEnd(8)} procpool worker pid ${worker}, in its pool process ${pid}`);
  }

  console.log('\n== a task that throws: its class comes back, and where it ran');
  try {
    await pool.apply(parseRecord, ['ada']);
  } catch (error) {
    console.log(`caught ${error.constructor.name} (instanceof ParseError: ${error instanceof ParseError})`);
    const { workerName, pid, host } = error.remoteTraceback;
    console.log(`thrown in ${workerName} (pid ${pid}) on ${host}; its stack:`);
    console.log(error.stack);
  }
} finally {
  await pool.close();
}
