// procpool's task module, as CommonJS like the other pools' worker files: the
// worker require()s it, and Node's ES module loader never starts.
const { defineTasks } = require('@procpool/core');
const functions = require('./functions.cjs');

const tasks = defineTasks(__filename, { ...functions });
module.exports = { ...tasks, tasks };
