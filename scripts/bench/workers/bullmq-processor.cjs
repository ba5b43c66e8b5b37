// BullMQ's sandboxed processor, the user's alternative in P and P2: BullMQ
// forks a child that require()s this file and hands it each job.
const { noop } = require('./functions.cjs');

module.exports = async (job) => noop(job.data.x);
