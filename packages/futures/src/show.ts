// A value as this package's messages show it, as @procpool/core's do: `` `0` (number) ``.
export const show = (value: unknown): string => {
  const text =
    typeof value === 'string'
      ? value
      : typeof value === 'function'
        ? `[Function ${value.name}]`
        : Array.isArray(value)
          ? 'array'
          : typeof value === 'object' && value !== null
            ? Object.prototype.toString.call(value)
            : String(value);
  return `\`${text}\` (${typeof value})`;
};
