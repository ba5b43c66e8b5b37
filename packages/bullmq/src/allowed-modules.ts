import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { show } from './options.js';

/**
 * Which modules a worker imports for a job: any (no list), or those under the
 * listed directories, the listed files, and the listed packages (with their
 * subpaths). A job's module is normalised first (`..` resolved), so a path
 * cannot climb out of an allowed directory.
 */
export class AllowedModules {
  readonly #prefixes: readonly string[] | null;

  constructor(entries: readonly string[] | undefined) {
    if (entries === undefined) {
      this.#prefixes = null;
      return;
    }
    if (!Array.isArray(entries) || entries.length === 0) {
      throw new TypeError(
        `Expected \`allowModules\` to be a non-empty array of paths or package names, got \`${show(entries)}\``,
      );
    }
    this.#prefixes = entries.map((entry: unknown) => {
      if (typeof entry !== 'string' || entry === '') {
        throw new TypeError(`Expected each of \`allowModules\` to be a path or a package name, got \`${show(entry)}\``);
      }
      return normalise(entry) ?? refuse(entry);
    });
  }

  /** Why `module` may not be imported here, or null when it may. */
  refusal(module: string): string | null {
    if (this.#prefixes === null) return null;
    const normal = normalise(module);
    if (normal !== null && this.#prefixes.some((prefix) => normal === prefix || normal.startsWith(`${prefix}/`))) {
      return null;
    }
    return `this worker does not run tasks of ${module} (it runs those of ${this.#prefixes.join(', ')})`;
  }
}

function refuse(entry: string): never {
  throw new TypeError(
    `Expected \`allowModules\` entries to be absolute paths, file URLs, package names or node: modules, got \`${entry}\``,
  );
}

// An absolute path or file URL as a file URL without a trailing slash, a package name as itself; null for anything else.
function normalise(module: string): string | null {
  let href: string;
  if (path.isAbsolute(module)) href = pathToFileURL(module).href;
  else if (module.startsWith('file:')) {
    try {
      href = new URL(module).href;
    } catch {
      return null;
    }
  } else {
    // A package name and subpath (or a Node built-in, node:…): no '.' or '..' segments, no other scheme (data:, http:).
    const name = module.startsWith('node:') ? module.slice('node:'.length) : module;
    const segments = name.split('/');
    if (name.includes(':') || segments.some((segment) => segment === '' || segment === '.' || segment === '..')) {
      return null;
    }
    return module;
  }
  return href.endsWith('/') ? href.slice(0, -1) : href;
}
