// The probes' task module: a no-op.
const { defineTasks } = require('@procpool/core');

module.exports = defineTasks(__filename, {
  noop: (x) => x,
});
