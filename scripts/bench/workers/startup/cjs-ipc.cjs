// Start-up stage 1: a CommonJS child answering one IPC message (the D/F baseline's shape).
process.on('message', (m) => process.send(m));
