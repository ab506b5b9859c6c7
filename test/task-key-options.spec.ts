/**
 * Unique, debounce and throttle options as the one validator checks them
 * (no database): what it refuses, with which option named, and how the
 * accepted ones resolve into the key that is stored.
 */
import { validateAddOptions } from '../lib/config/validate-task-options.js';
import { InvalidTaskOptionsError, type AddTaskOptions } from '../lib/index.js';
import { resolveTaskOptions } from '../lib/queue/resolve-task-options.js';

function refusal(options: unknown): { option: string; message: string } | undefined {
  try {
    validateAddOptions(options as AddTaskOptions, 'requests[1].options');
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidTaskOptionsError);
    return { option: (error as InvalidTaskOptionsError).option, message: (error as Error).message };
  }
}

describe('unique, debounce and throttle options (no database)', () => {
  it('accepts each alone', () => {
    for (const options of [
      { unique: { key: 'digest:42' } },
      { unique: { key: 'digest:42', scope: 'active' } },
      { unique: { key: 'k', scope: 'any', ttlMs: 1 } },
      { debounce: { key: 'k', delayMs: 0 } },
      { throttle: { key: 'k', periodMs: 60_000 }, delayMs: 5 },
      { unique: { key: 'x'.repeat(255) } },
      { unique: { key: "'; DROP TABLE tasks; --" } },
      { unique: { key: 'emoji 🎉 and ünïcödé' } },
    ]) {
      expect(refusal(options)).toBeUndefined();
    }
  });

  it('refuses two of them on one call', () => {
    expect(refusal({ unique: { key: 'a' }, debounce: { key: 'a', delayMs: 1 } })?.option).toBe('debounce');
    expect(refusal({ unique: { key: 'a' }, throttle: { key: 'a', periodMs: 1 } })?.message).toContain('pass only one of unique, debounce and throttle (got unique and throttle)');
    expect(refusal({ debounce: { key: 'a', delayMs: 1 }, throttle: { key: 'a', periodMs: 1 } })?.option).toBe('throttle');
  });

  it('refuses hostile and huge keys', () => {
    const keys: unknown[] = ['', 'x'.repeat(256), 'x'.repeat(10_000_000), 'nul\u0000byte', 'line\nbreak', 'del\u007f', '\ud800 lone', 'lone \udc00', 42, null, { toString: () => 'k' }, ['k']];
    for (const key of keys) {
      const refused = refusal({ unique: { key } });
      expect(refused?.option).toBe('unique.key');
    }
    expect(refusal({ unique: { key: 'x'.repeat(256) } })?.message).toContain('must be a string of 1 to 255 characters (got 256 characters)');
    expect(refusal({ debounce: { key: '', delayMs: 1 } })?.option).toBe('debounce.key');
    expect(refusal({ throttle: { key: 'a\u0000', periodMs: 1 } })?.option).toBe('throttle.key');
  });

  it('refuses negative, fractional or missing durations, and a ttl without scope "any"', () => {
    expect(refusal({ unique: { key: 'k', scope: 'any', ttlMs: -1 } })?.option).toBe('unique.ttlMs');
    expect(refusal({ unique: { key: 'k', scope: 'any', ttlMs: 0 } })?.option).toBe('unique.ttlMs');
    expect(refusal({ unique: { key: 'k', scope: 'any' } })?.message).toContain('is required with scope "any"');
    expect(refusal({ unique: { key: 'k', ttlMs: 1_000 } })?.message).toContain('applies to scope "any" only');
    expect(refusal({ unique: { key: 'k', scope: 'forever' } })?.option).toBe('unique.scope');
    expect(refusal({ debounce: { key: 'k', delayMs: -1 } })?.option).toBe('debounce.delayMs');
    expect(refusal({ debounce: { key: 'k' } })?.option).toBe('debounce.delayMs');
    expect(refusal({ throttle: { key: 'k', periodMs: 0 } })?.option).toBe('throttle.periodMs');
    expect(refusal({ throttle: { key: 'k', periodMs: 1.5 } })?.option).toBe('throttle.periodMs');
    expect(refusal({ throttle: { key: 'k', periodMs: 2 ** 31 } })?.option).toBe('throttle.periodMs');
  });

  it('refuses a debounce with a delay or run time of its own, and options that are not objects', () => {
    expect(refusal({ debounce: { key: 'k', delayMs: 1 }, delayMs: 5 })?.option).toBe('delayMs');
    expect(refusal({ debounce: { key: 'k', delayMs: 1 }, runAt: new Date() })?.option).toBe('runAt');
    expect(refusal({ unique: 'k' })?.option).toBe('unique');
    expect(refusal({ throttle: null })?.option).toBe('throttle');
    expect(refusal({ debounce: ['k', 1] })?.option).toBe('debounce');
  });

  it('names where the options were given', () => {
    expect(refusal({ unique: { key: '' } })?.message).toContain('in requests[1].options');
  });

  it('resolves the stored key: kind, and how long it is held whatever the state', () => {
    const resolve = (call: AddTaskOptions) => resolveTaskOptions(call, {}, {});
    expect(resolve({}).key).toBeNull();
    expect(resolve({ unique: { key: 'a' } }).key).toEqual({ kind: 'unique', key: 'a', holdMs: null });
    expect(resolve({ unique: { key: 'a', scope: 'any', ttlMs: 500 } }).key).toEqual({ kind: 'unique', key: 'a', holdMs: 500 });
    expect(resolve({ throttle: { key: 'a', periodMs: 700 } }).key).toEqual({ kind: 'throttle', key: 'a', holdMs: 700 });
    const debounced = resolve({ debounce: { key: 'a', delayMs: 300 } });
    expect(debounced.key).toEqual({ kind: 'debounce', key: 'a', holdMs: null });
    expect(debounced.delayMs).toBe(300);
    expect(debounced.runAt).toBeNull();
  });
});
