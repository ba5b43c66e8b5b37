// Start-up stage 4: stage 3, plus importing @procpool/core (as every task module does).
import net from 'node:net';
import '@procpool/core';

const pipe = new net.Socket({ fd: 3, readable: true, writable: true });
process.on('message', (m) => pipe.write(`${JSON.stringify(m)}\n`));
