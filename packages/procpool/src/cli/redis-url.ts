// The --redis URL of `procpool worker`: checked, and shown without its password.
import { UsageError } from './usage-error.js';

const HIDDEN = '***';

function parse(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** The URL with its password (in the userinfo or a `password` query parameter) replaced by `***`. */
export function redactUrl(text: string): string {
  const url = parse(text);
  if (url === undefined) return text.includes('@') ? '(an unreadable URL)' : text;
  if (url.password !== '') url.password = HIDDEN;
  // ioredis also takes the password as a query parameter.
  if (url.searchParams.has('password')) url.searchParams.set('password', HIDDEN);
  return url.href;
}

/** TEXT with every form of the URL's password in it (as written, decoded) replaced by `***`. */
export function hideSecrets(text: string, redis: string): string {
  const url = parse(redis);
  if (url === undefined) return text;
  const secrets = [url.password, url.searchParams.get('password') ?? ''].flatMap((raw) => {
    if (raw === '') return [];
    let decoded = raw;
    try {
      decoded = decodeURIComponent(raw);
    } catch {
      // a lone % stays as written
    }
    return [raw, decoded];
  });
  let shown = text.replaceAll(redis, redactUrl(redis));
  // Longest first: a secret that holds another is replaced whole.
  for (const secret of secrets.sort((a, b) => b.length - a.length)) shown = shown.replaceAll(secret, HIDDEN);
  return shown;
}

/** Checks a --redis value: a redis:// or rediss:// URL with a host. */
export function checkRedisUrl(text: string): string {
  const url = parse(text);
  if (url === undefined || (url.protocol !== 'redis:' && url.protocol !== 'rediss:') || url.hostname === '') {
    throw new UsageError(
      `--redis must be a URL such as redis://host:6379 or rediss://user:password@host:6380/0, got '${redactUrl(text)}'`,
    );
  }
  return text;
}
