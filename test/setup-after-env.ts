import './helpers/pools.js';
