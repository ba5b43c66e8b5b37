// Start-up stage 3: ES module, and the answer goes over a net.Socket on fd 3 (procpool's transport).
import net from 'node:net';

const pipe = new net.Socket({ fd: 3, readable: true, writable: true });
process.on('message', (m) => pipe.write(`${JSON.stringify(m)}\n`));
