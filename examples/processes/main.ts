// main.ts
import { Pipe, Process } from '@procpool/core';
import { greet } from './tasks.js';

const [parentConn, childConn] = Pipe();
const p = new Process({ target: greet, args: ['bob', childConn] });
p.start(); // p.pid is set when start() returns
childConn.close(); // the child holds its own copy now
console.log(await parentConn.recv()); // hello bob from Process-1
await p.join(); // or p.join(1000): resolves after 1 s at most
console.log(p.exitCode); // 0
