/**
 * Durations, the `retention` module option and `purge`'s options (issue 10),
 * without a database: what is accepted, what it resolves to, and the named
 * error for each bad value.
 */
import { parseDuration } from '../lib/config/parse-duration.js';
import { resolveConfig } from '../lib/config/resolve-config.js';
import { resolveRetention } from '../lib/config/resolve-retention.js';
import { resolvePurgeOptions } from '../lib/queue/purge-tasks.js';
import { InvalidModuleOptionsError, InvalidTaskOptionsError, type PurgeOptions } from '../lib/index.js';

const connection = { url: 'postgres://localhost/unused' };
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('durations', () => {
  it.each([
    [0, 0],
    [1_500, 1_500],
    ['90s', 90_000],
    ['30m', 30 * 60_000],
    ['12h', 12 * HOUR],
    ['7d', 7 * DAY],
    ['7D', 7 * DAY],
    ['1.5h', 1.5 * HOUR],
    ['2 weeks', 14 * DAY],
    ['1y', 365.25 * DAY],
    ['250ms', 250],
    [' 7d ', 7 * DAY],
  ])('reads %p as %p ms', (value, expected) => {
    expect(parseDuration(value)).toBe(expected);
  });

  it.each([
    ['30', 'a string without a unit (ms would read it as 30 ms)'],
    ['7 dayz', 'an unknown unit'],
    ['-1h', 'a negative string'],
    ['', 'an empty string'],
    ['d', 'a unit without a number'],
    ['1e3d', 'an exponent'],
    ['x'.repeat(200), 'a long string'],
    [-1, 'a negative number'],
    [1.5, 'a fraction of a millisecond'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    [2 ** 60, 'a number past the safe integers'],
    [null, 'null'],
    [{}, 'an object'],
    [10n, 'a bigint'],
  ] as [unknown, string][])('refuses %p (%s)', (value) => {
    expect(parseDuration(value)).toBeUndefined();
  });
});

describe('module option `retention`', () => {
  it('keeps everything unless a state is given an age, and prunes every minute', () => {
    expect(resolveConfig({ connection }).retention).toEqual({
      ages: { completed: null, failed: null, cancelled: null },
      enabled: false,
      intervalMs: 60_000,
    });
    expect(resolveRetention({ intervalMs: 1_000 }).enabled).toBe(false);
  });

  it('resolves each state on its own, strings and milliseconds alike', () => {
    expect(resolveConfig({ connection, retention: { completed: '7d', failed: 30 * DAY, intervalMs: 5_000 } }).retention).toEqual({
      ages: { completed: 7 * DAY, failed: 30 * DAY, cancelled: null },
      enabled: true,
      intervalMs: 5_000,
    });
    expect(resolveRetention({ cancelled: 0 })).toMatchObject({ ages: { cancelled: 0 }, enabled: true });
  });

  it.each([
    [{ completed: '7 dayz' }, /retention\.completed must be a number of milliseconds .* \(got "7 dayz"\)/],
    [{ failed: -5 }, /retention\.failed must be .* \(got -5\)/],
    [{ cancelled: '30' }, /retention\.cancelled must be .*with a unit.* \(got "30"\)/],
    [{ completed: '1d', intervalMs: 0 }, /retention\.intervalMs must be an integer between 10 and/],
    [{ completed: '1d', intervalMs: '1m' }, /retention\.intervalMs must be an integer/],
    [{ complete: '1d' }, /retention\.complete is not an option \(use completed, failed, cancelled, intervalMs\)/],
    ['7d', /retention must be an object/],
    [null, /retention must be an object/],
  ])('refuses %p with a clear InvalidModuleOptionsError', (retention, message) => {
    const resolve = () => resolveConfig({ connection, retention: retention as never });
    expect(resolve).toThrow(InvalidModuleOptionsError);
    expect(resolve).toThrow(message);
  });
});

describe("purge's options", () => {
  it('takes one finished state or several, and a duration', () => {
    expect(resolvePurgeOptions({ state: 'completed', olderThan: '1h' })).toEqual({ states: ['completed'], olderThanMs: HOUR });
    expect(resolvePurgeOptions({ state: ['failed', 'cancelled', 'failed'], olderThan: 0 })).toEqual({
      states: ['failed', 'cancelled'],
      olderThanMs: 0,
    });
  });

  it.each([
    [{ state: 'pending', olderThan: '1h' }, /"state" in purge\(\): must be a finished state \(completed, failed, cancelled\)/],
    [{ state: ['completed', 'running'], olderThan: '1h' }, /"state" in purge\(\)/],
    [{ state: [], olderThan: '1h' }, /"state" in purge\(\)/],
    [{ olderThan: '1h' }, /"state" in purge\(\)/],
    [{ state: 'completed' }, /"olderThan" in purge\(\): is required/],
    [{ state: 'completed', olderThan: 'soon' }, /"olderThan" in purge\(\): must be a number of milliseconds .* \(got "soon"\)/],
    [{ state: 'completed', olderThan: -1 }, /"olderThan" in purge\(\)/],
    [null, /"options" in purge\(\)/],
  ])('refuses %p with InvalidTaskOptionsError', (options, message) => {
    const resolve = () => resolvePurgeOptions(options as unknown as PurgeOptions);
    expect(resolve).toThrow(InvalidTaskOptionsError);
    expect(resolve).toThrow(message);
  });
});
