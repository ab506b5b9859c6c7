/** Pure unit tests of task-value serialisation: no database. */
import { MAX_JSON_DEPTH, toJson } from '../lib/queue/json-value.js';
import { stringifyDeep } from '../lib/queue/stringify-deep.js';
import { TaskSerializationError } from '../lib/errors/task-serialization.error.js';

describe('task values as JSON', () => {
  it('writes deep values exactly as JSON.stringify writes shallow ones', () => {
    const samples: unknown[] = [
      null,
      0,
      -0,
      1.5e300,
      'quote " backslash \\ newline \n emoji 😀',
      [],
      {},
      [1, 'two', null, true, { a: [false, { b: 'c' }] }],
      { '2': 'integer-like keys first', a: 1, skipped: undefined, nested: { '': 'empty key', é: ['ü'] } },
    ];
    for (const sample of samples) expect(stringifyDeep(sample)).toBe(JSON.stringify(sample));
  });

  it(`serialises values nested up to ${MAX_JSON_DEPTH} levels without overflowing the stack, and parses them back`, () => {
    let value: unknown = { leaf: 'x' };
    for (let level = 1; level < MAX_JSON_DEPTH; level++) value = level % 2 ? [value] : { k: value };
    const text = toJson(value, 'args');
    // Compared as text: a deep equality check would itself overflow the stack.
    expect(stringifyDeep(JSON.parse(text))).toBe(text);
    expect(text.length).toBeGreaterThan(MAX_JSON_DEPTH * 2);
    expect(() => toJson([value], 'args')).toThrow(TaskSerializationError);
  });

  it('names repeated but not circular references as fine, and cycles deep in a value by a short path', () => {
    const shared = { n: 1 };
    expect(toJson({ a: shared, b: [shared] }, 'result')).toBe('{"a":{"n":1},"b":[{"n":1}]}');
    const loop: Record<string, unknown> = {};
    loop.self = { again: loop };
    expect(() => toJson(loop, 'result')).toThrow('Task value at result.self.again cannot be stored as JSON: circular reference.');
  });
});
