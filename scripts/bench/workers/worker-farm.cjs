// worker-farm calls back instead of awaiting.
const functions = require('./functions.cjs');
for (const [name, fn] of Object.entries(functions)) {
  module.exports[name] = (arg, callback) => {
    Promise.resolve(fn(arg)).then(
      (value) => callback(null, value),
      (error) => callback(error),
    );
  };
}
