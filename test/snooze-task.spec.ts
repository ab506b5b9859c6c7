/**
 * `new SnoozeTask(delayMs)` checks its delay where the handler writes it
 * (issue 9): a bad one throws a named error at once, so nothing is written.
 * Pure: no database.
 */
import { InvalidTaskOptionsError, QueuedTasksError, SnoozeTask } from '../lib/index.js';

describe('SnoozeTask', () => {
  it.each([0, 1, 30_000, 2_147_483_647])('takes a delay of %p ms', (delayMs) => {
    const snooze = new SnoozeTask(delayMs);
    expect(snooze.delayMs).toBe(delayMs);
    expect(snooze.message).toBe(`Snoozed for ${delayMs} ms: the task runs again then, without spending an attempt.`);
  });

  it('is a named Error with a stack, and one of ours', () => {
    const snooze = new SnoozeTask(5);
    expect(snooze).toBeInstanceOf(Error);
    expect(snooze).toBeInstanceOf(QueuedTasksError);
    expect(snooze.name).toBe('SnoozeTask');
    expect(snooze.stack).toMatch(/^SnoozeTask: Snoozed for 5 ms/);
  });

  it.each([
    [-1, '-1'],
    [-0.5, '-0.5'],
    [1.5, '1.5'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    [Number.NEGATIVE_INFINITY, '-Infinity'],
    [2_147_483_648, '2147483648'],
    ['1000', '"1000"'],
    [null, 'null'],
    [undefined, 'undefined'],
  ])('refuses a delay of %p with InvalidTaskOptionsError', (delayMs, shown) => {
    let thrown: unknown;
    try {
      new SnoozeTask(delayMs as number);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidTaskOptionsError);
    expect(thrown).toMatchObject({
      name: 'InvalidTaskOptionsError',
      option: 'delayMs',
      source: 'new SnoozeTask()',
      message: `Invalid task option "delayMs" in new SnoozeTask(): must be an integer between 0 and 2147483647 (got ${shown}).`,
    });
  });
});
