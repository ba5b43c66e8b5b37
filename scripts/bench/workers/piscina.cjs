module.exports = require('./functions.cjs');
