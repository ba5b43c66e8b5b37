// Start-up stage 2: the same as an ES module (Node starts its ESM loader).
process.on('message', (m) => process.send(m));
