import path from 'node:path';

/** What a command's replacement strings stand for, for one input line. */
interface Values {
  readonly line: string;
  /** The input line's number, from 1 (`{#}`). */
  readonly number: number;
  /** Which of the `--jobs` slots runs it, from 1 (`{%}`). */
  readonly slot: number;
}

// GNU parallel's replacement strings; `{}` and the others only as written here.
const TOKEN = /\{(\/\/|\/\.|\/|\.|#|%|)\}/g;

const withoutExtension = (file: string): string => {
  const ext = path.posix.extname(file);
  return ext === '' ? file : file.slice(0, -ext.length);
};

function valueOf(token: string, { line, number, slot }: Values): string {
  switch (token) {
    case '':
      return line;
    case '.':
      return withoutExtension(line);
    case '/':
      return path.posix.basename(line);
    case '//':
      return path.posix.dirname(line);
    case '/.':
      return withoutExtension(path.posix.basename(line));
    case '#':
      return String(number);
    default:
      return String(slot);
  }
}

/** Whether an argument holds a replacement string. */
export const hasReplacement = (arg: string): boolean => new RegExp(TOKEN.source).test(arg);

/** The command's arguments for one line, each replaced in place (no shell); without any `{…}`, the line is appended. */
export function expandArgs(argv: readonly string[], values: Values): string[] {
  if (!argv.some(hasReplacement)) return [...argv, values.line];
  return argv.map((arg) => arg.replace(TOKEN, (_, token: string) => valueOf(token, values)));
}

const quote = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`;

/** For `--shell`: one command line, each replaced value single-quoted so the shell takes it as one word. */
export function expandShell(argv: readonly string[], values: Values): string {
  const command = argv.join(' ');
  if (!hasReplacement(command)) return `${command} ${quote(values.line)}`;
  // {#} and {%} are numbers: they need no quotes, and may sit inside the command line's own.
  return command.replace(TOKEN, (_, token: string) =>
    token === '#' || token === '%' ? valueOf(token, values) : quote(valueOf(token, values)),
  );
}

/**
 * For `--shell`: a replacement string written inside quotes of the command
 * line (`'{}'`, `"{.}"`), where procpool's own quoting would not make the value
 * one plain word (inside `'…'` it would end the quotes, inside `"…"` `$(…)`
 * would still run). `{#}` and `{%}`, numbers, may sit anywhere.
 */
export function quotedReplacement(command: string): string | undefined {
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!;
    if (c === '\\' && quote !== "'") i++;
    else if (quote === undefined && (c === "'" || c === '"')) quote = c;
    else if (c === quote) quote = undefined;
    else if (quote !== undefined && c === '{') {
      const token = /^\{(\/\/|\/\.|\/|\.|)\}/.exec(command.slice(i));
      if (token !== null) return token[0];
    }
  }
  return undefined;
}
