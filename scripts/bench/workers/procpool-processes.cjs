// procpool's Process targets for the bench's H: what CPython's side does in
// python/multiprocessing_bench.py.
const { defineTasks } = require('@procpool/core');

module.exports = defineTasks(__filename, {
  nothing: () => {},
});
