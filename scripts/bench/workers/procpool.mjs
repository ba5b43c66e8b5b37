import { defineTasks } from '@procpool/core';
import functions from './functions.cjs';

export const { noop, cpu, echo, pid, hang } = defineTasks(import.meta.url, { ...functions });
export const tasks = { noop, cpu, echo, pid, hang };
