import ms from 'ms';

/** What a duration may be, as error messages say it. */
export const DURATION_RULE = "must be a number of milliseconds (an integer ≥ 0) or a string with a unit such as '30m', '12h', '7d' or '2 weeks'";

/** Longest duration taken: far beyond any retention, and still exact in a double and in PostgreSQL's interval. */
const MAX_DURATION_MS = Number.MAX_SAFE_INTEGER;

/**
 * A duration in milliseconds, from a number of milliseconds or a string
 * parsed by `ms` ('90s', '30m', '12h', '7d', '2 weeks', '1y'); undefined
 * when it is neither, so each caller throws its own named error.
 *
 * A string needs a unit: `ms` reads '30' as 30 milliseconds, and a
 * retention of `'30'` meant as days would delete every finished task at
 * once. Negative, fractional-millisecond and non-finite values are refused.
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 && value <= MAX_DURATION_MS ? value : undefined;
  if (typeof value !== 'string' || !/^\s*[0-9.]+\s*[a-z]+\s*$/i.test(value)) return undefined;
  const parsed = ms(value.trim() as ms.StringValue) as number | undefined;
  if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed < 0 || parsed > MAX_DURATION_MS) return undefined;
  return Math.round(parsed);
}
