import { getLogger, Pool } from '@procpool/core';
import { square } from './tasks.mjs';

// Send procpool's lines to your own logger; here, one JSON object per line on stdout.
const logger = getLogger();
logger.setLevel('debug');
logger.addHandler(({ level, message, processName, pid, time }) => {
  console.log(JSON.stringify({ time: new Date(time).toISOString(), level, processName, pid, message }));
});

const pool = new Pool(2);
await pool.map(square, [1, 2, 3]);
await pool.terminate(); // {"time":"…","level":"debug","processName":"MainProcess","pid":…,"message":"terminating pool"}
