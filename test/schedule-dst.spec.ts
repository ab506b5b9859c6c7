/**
 * Next runs across both DST transitions of Europe/Paris in 2026, against a
 * table of expected instants (no database). Spring forward: Sunday 29 March,
 * 02:00 CET (01:00Z) becomes 03:00 CEST, so local 02:00–02:59 does not
 * exist. Fall back: Sunday 25 October, 03:00 CEST (01:00Z) becomes 02:00 CET,
 * so local 02:00–02:59 happens twice (00:00Z–00:59Z, then 01:00Z–01:59Z).
 * docs/schedules.md states the same rules in words.
 */
import { slotClock } from '../lib/config/schedule-timing.js';

const paris = (cron: string) => slotClock({ kind: 'cron', cron, timezone: 'Europe/Paris' });

describe('next runs across DST in Europe/Paris', () => {
  it.each([
    // A fixed-time job in the gap runs once, at the first valid time after it (03:00 CEST).
    ['30 2 * * *', '2026-03-27T12:00:00Z', ['2026-03-28T01:30:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z']],
    // A fixed-time job in the overlap runs once, at the first occurrence (02:30 CEST).
    ['30 2 * * *', '2026-10-23T12:00:00Z', ['2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']],
    // An interval job skips the times in the gap...
    ['*/30 * * * *', '2026-03-29T00:00:00Z', ['2026-03-29T00:30:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-29T01:30:00.000Z']],
    // ...and runs at both occurrences of the repeated times.
    ['*/30 * * * *', '2026-10-24T23:59:00Z', ['2026-10-25T00:00:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-25T01:00:00.000Z', '2026-10-25T01:30:00.000Z', '2026-10-25T02:00:00.000Z']],
    ['0 * * * *', '2026-10-24T23:30:00Z', ['2026-10-25T00:00:00.000Z', '2026-10-25T01:00:00.000Z', '2026-10-25T02:00:00.000Z']],
    // A workday 09:00 job keeps its local time: 08:00Z in winter, 07:00Z in summer.
    ['0 9 * * 1-5', '2026-03-27T00:00:00Z', ['2026-03-27T08:00:00.000Z', '2026-03-30T07:00:00.000Z', '2026-03-31T07:00:00.000Z']],
    ['0 9 * * 1-5', '2026-10-23T00:00:00Z', ['2026-10-23T07:00:00.000Z', '2026-10-26T08:00:00.000Z', '2026-10-27T08:00:00.000Z']],
    // Seconds-level: the second after 01:59:59 CET is 03:00:00 CEST.
    ['*/20 * * * * *', '2026-03-29T00:59:30Z', ['2026-03-29T00:59:40.000Z', '2026-03-29T01:00:00.000Z', '2026-03-29T01:00:20.000Z']],
  ])('%s after %s', (cron, after, expected) => {
    const clock = paris(cron);
    const runs = clock.nextRuns(expected.length, new Date(after)).map((d) => d.toISOString());
    expect(runs).toEqual(expected);
    // Walking back from the last one gives the same instants.
    const last = new Date(expected.at(-1)!);
    expect(clock.previousRuns(expected.length - 1, last).map((d) => d.toISOString())).toEqual(expected.slice(0, -1));
  });
});
