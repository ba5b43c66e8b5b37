// Fails when the modules of a package's src import each other in a cycle,
// counting type-only imports too: a cycle of types is still two modules that
// cannot be understood (or moved) one without the other.
//
//   node scripts/check-cycles.mjs          every packages/*/src
//   node scripts/check-cycles.mjs DIR...   only these folders
//
// TypeScript's own scanner lists each file's imports (`import`, `import type`,
// `export … from`, `import()` calls and types), so comments and strings never count.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dirs =
  process.argv.length > 2
    ? process.argv.slice(2).map((dir) => path.resolve(dir))
    : readdirSync(path.join(root, 'packages'))
        .map((name) => path.join(root, 'packages', name, 'src'))
        .filter((dir) => existsSync(dir));

const sourcesUnder = (dir) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(ts|mts|cts)$/.test(entry.name) && !entry.name.endsWith('.d.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name));

// './x.js' names the source './x.ts' (NodeNext resolution); a folder means its index.
const resolveImport = (from, specifier) => {
  const target = path.resolve(path.dirname(from), specifier);
  const candidates = [target.replace(/\.(m|c)?js$/, '.$1ts'), target, `${target}.ts`, path.join(target, 'index.ts')];
  return candidates.find((file) => graph.has(file));
};

const graph = new Map(dirs.flatMap(sourcesUnder).map((file) => [file, []]));
for (const [file, imports] of graph) {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  for (const { fileName } of importedFiles) {
    if (!fileName.startsWith('.')) continue;
    const target = resolveImport(file, fileName);
    if (target !== undefined && !imports.includes(target)) imports.push(target);
  }
}

// Tarjan's strongly connected components: every cycle lies within one.
const components = [];
{
  let next = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const visit = (file) => {
    index.set(file, next);
    low.set(file, next);
    next += 1;
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file)) {
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file), low.get(target)));
      } else if (onStack.has(target)) low.set(file, Math.min(low.get(file), index.get(target)));
    }
    if (low.get(file) === index.get(file)) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      if (component.length > 1 || graph.get(file).includes(file)) components.push(new Set(component));
    }
  };
  for (const file of [...graph.keys()].sort()) if (!index.has(file)) visit(file);
}

// The shortest cycle through each file of a component: enough to show every
// edge that needs breaking without listing exponentially many cycles.
const shortestCycle = (start, component) => {
  const previous = new Map([[start, null]]);
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift();
    for (const target of graph.get(file)) {
      if (!component.has(target)) continue;
      if (target === start) {
        const cycle = [];
        for (let at = file; at !== null; at = previous.get(at)) cycle.unshift(at);
        return cycle;
      }
      if (!previous.has(target)) {
        previous.set(target, file);
        queue.push(target);
      }
    }
  }
  return [];
};

const cycles = new Map();
for (const component of components) {
  for (const file of [...component].sort()) {
    const cycle = shortestCycle(file, component);
    const first = cycle.indexOf([...cycle].sort()[0]);
    const rotated = [...cycle.slice(first), ...cycle.slice(0, first)];
    cycles.set(rotated.join('\n'), rotated);
  }
}

if (cycles.size === 0) {
  console.log(`No import cycles among ${graph.size} modules.`);
} else {
  const show = (file) => path.relative(root, file);
  for (const cycle of cycles.values()) console.error(`Import cycle: ${[...cycle, cycle[0]].map(show).join(' → ')}`);
  process.exitCode = 1;
}
