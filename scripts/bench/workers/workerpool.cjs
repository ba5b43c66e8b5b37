const workerpool = require('workerpool');
workerpool.worker(require('./functions.cjs'));
