import { serializeError } from 'serialize-error';
import * as connectionErrors from '../connection/errors.js';
import * as procpoolErrors from '../errors.js';
import * as objectErrors from '../objects/errors.js';
import { defineHidden } from '../hidden.js';
import { sharedRegistry } from '../registry.js';

/** An error as it crosses the pipe: serialize-error's plain object plus the class name. */
export interface WireError {
  readonly cls: string;
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly [key: string]: unknown;
}

type ErrorClass = new (...args: never[]) => Error;

// Classes rebuilt by name: the built-in ones and procpool's own, Connection's
// and the shared objects' too (their errors live apart from their code, so a parent that has not loaded
// that code still gets them back as theirs). DOMException is left out on
// purpose: its getters need internal slots that Object.create cannot give, so
// it comes back as an Error. Built on first use: most workers never rebuild an error.
let classes: Map<string, ErrorClass> | undefined;
const errorClasses = (): Map<string, ErrorClass> =>
  (classes ??= sharedRegistry(
    'errorClasses',
    () =>
      new Map<string, ErrorClass>(
        [
          ...[Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError, AggregateError],
          ...Object.values(procpoolErrors),
          ...Object.values(connectionErrors),
          ...Object.values(objectErrors),
        ].map((C) => [C.name, C as ErrorClass]),
      ),
  ));

/**
 * Lets errors of class `C` thrown in a worker come back as instances of `C`.
 * Call it in a module both sides load (the tasks module is the usual place);
 * classes are matched by `C.name`.
 * @example
 * export class QuotaError extends Error {}
 * registerErrorClass(QuotaError);
 */
export function registerErrorClass(C: ErrorClass): void {
  if (typeof C !== 'function' || !(C.prototype instanceof Error || (C as unknown) === Error)) {
    throw new TypeError(`Expected \`registerErrorClass\` to get a subclass of Error, got \`${String(C)}\``);
  }
  errorClasses().set(C.name, C);
}

const isErrorLike = (value: unknown): value is Error =>
  value instanceof Error ||
  (typeof value === 'object' &&
    value !== null &&
    typeof (value as Error).message === 'string' &&
    typeof (value as Error).stack === 'string');

/** Adds the class names serialize-error drops, walking the cause/errors tree beside it. */
function tagClasses(original: unknown, serialized: Record<string, unknown>): void {
  const source = original as Error & { errors?: unknown };
  serialized.cls = source.constructor?.name ?? 'Error';
  const { cause } = source;
  if (isErrorLike(cause) && typeof serialized.cause === 'object' && serialized.cause !== null) {
    tagClasses(cause, serialized.cause as Record<string, unknown>);
  }
  if (Array.isArray(source.errors) && Array.isArray(serialized.errors)) {
    source.errors.forEach((inner, i) => {
      const wire: unknown = (serialized.errors as unknown[])[i];
      if (isErrorLike(inner) && typeof wire === 'object' && wire !== null) {
        tagClasses(inner, wire as Record<string, unknown>);
      }
    });
  }
}

export function encodeError(error: Error): WireError {
  const serialized = serializeError(error) as Record<string, unknown>;
  tagClasses(error, serialized);
  return serialized as unknown as WireError;
}

/** Only name, message and stack: for errors whose properties cannot be sent. */
export function encodeBareError(error: Error): WireError {
  return {
    cls: error.constructor?.name ?? 'Error',
    name: String(error.name),
    message: String(error.message),
    stack: String(error.stack),
  };
}

const isWireError = (value: unknown): value is WireError =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as WireError).cls === 'string' &&
  typeof (value as WireError).message === 'string';

const SPECIAL_KEYS = new Set(['cls', 'name', 'message', 'stack', 'cause', 'errors']);

/** Rebuilds an error without running its constructor: same class, fields and cause chain. */
export function rebuildError(wire: WireError): Error {
  const known = errorClasses();
  const C = known.get(wire.cls) ?? known.get(wire.name) ?? Error;
  const prototype = C.prototype as Error;
  const error = Object.create(prototype) as Error;
  defineHidden(error, 'message', wire.message);
  defineHidden(error, 'stack', wire.stack ?? `${wire.name}: ${wire.message}`);
  if (wire.name !== prototype.name) defineHidden(error, 'name', wire.name);
  if ('cause' in wire) defineHidden(error, 'cause', isWireError(wire.cause) ? rebuildError(wire.cause) : wire.cause);
  if (Array.isArray(wire.errors)) {
    defineHidden(
      error,
      'errors',
      wire.errors.map((inner: unknown) => (isWireError(inner) ? rebuildError(inner) : inner)),
    );
  }
  for (const key of Object.keys(wire)) {
    if (!SPECIAL_KEYS.has(key)) (error as unknown as Record<string, unknown>)[key] = wire[key];
  }
  return error;
}
