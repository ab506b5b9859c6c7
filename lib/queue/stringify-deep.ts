/** An array or object being written: its values, its keys (objects only), and the next to write. */
interface OpenContainer {
  values: unknown[];
  keys: string[] | null;
  next: number;
}

/**
 * `JSON.stringify` without recursion, for values nested deeper than V8's
 * own serialiser can go on its stack. Only for values `toJson` has checked:
 * plain objects, arrays, strings, finite numbers, booleans and null, with
 * `undefined` only as an object property (dropped, as JSON does). Primitives
 * and keys are written by `JSON.stringify` itself, so the text is the same.
 */
export function stringifyDeep(value: unknown): string {
  const out: string[] = [];
  const open: OpenContainer[] = [];
  const write = (item: unknown): void => {
    if (typeof item !== 'object' || item === null) {
      out.push(JSON.stringify(item));
    } else if (Array.isArray(item)) {
      out.push('[');
      open.push({ values: item, keys: null, next: 0 });
    } else {
      const keys = Object.keys(item).filter((key) => (item as Record<string, unknown>)[key] !== undefined);
      out.push('{');
      open.push({ values: keys.map((key) => (item as Record<string, unknown>)[key]), keys, next: 0 });
    }
  };
  write(value);
  while (open.length > 0) {
    const container = open[open.length - 1]!;
    if (container.next === container.values.length) {
      out.push(container.keys ? '}' : ']');
      open.pop();
      continue;
    }
    if (container.next > 0) out.push(',');
    if (container.keys) out.push(`${JSON.stringify(container.keys[container.next])}:`);
    write(container.values[container.next++]);
  }
  return out.join('');
}
