// @ts-check
// procpool's task module as an ES module: the worker imports it, so Node starts
// its ES module loader (the start-up scenarios show what that costs).
import { defineTasks } from '@procpool/core';
import functions from './functions.cjs';

export const { noop, cpu, echo, pid, hang } = defineTasks(import.meta.url, { ...functions });
export const tasks = { noop, cpu, echo, pid, hang };
