const { ClusterWorker } = require('poolifier');
module.exports = new ClusterWorker(require('./functions.cjs'));
