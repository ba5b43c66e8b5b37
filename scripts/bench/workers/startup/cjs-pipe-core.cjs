// Start-up stage 3: stage 2, plus require('@procpool/core') (as every task module does).
const net = require('node:net');
require('@procpool/core');

const pipe = new net.Socket({ fd: 3, readable: true, writable: true });
process.on('message', (m) => pipe.write(`${JSON.stringify(m)}\n`));
