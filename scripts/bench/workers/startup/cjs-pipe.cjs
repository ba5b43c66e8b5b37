// Start-up stage 2: stage 1, but the answer goes over a net.Socket on fd 3 (procpool's transport).
const net = require('node:net');

const pipe = new net.Socket({ fd: 3, readable: true, writable: true });
process.on('message', (m) => pipe.write(`${JSON.stringify(m)}\n`));
