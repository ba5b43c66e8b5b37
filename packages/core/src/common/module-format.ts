import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Whether Node loads `file` as an ES module: by extension, else by the nearest package.json's `type`. */
export function isEsmFile(file: string): boolean {
  if (/\.m[jt]s$/.test(file)) return true;
  if (!/\.[jt]sx?$/.test(file)) return false;
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    try {
      return (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { type?: string }).type === 'module';
    } catch {
      if (path.dirname(dir) === dir) return false;
    }
  }
}
