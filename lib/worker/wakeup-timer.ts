/** Never arm closer than this: a run time a few ms ahead of the database's clock would otherwise spin. */
const MIN_DELAY_MS = 5;
/**
 * Node fires a timer longer than 2^31 - 1 ms at once. Further run times get a
 * timer at this bound; when it fires, the worker looks again and re-arms.
 */
const MAX_DELAY_MS = 2_147_483_647;

/**
 * One timer for the earliest known run time of a delayed task or retry.
 * Arming it for a later time than the one already armed does nothing.
 */
export class WakeupTimer {
  private timer: NodeJS.Timeout | null = null;
  private armedFor = Infinity;

  constructor(private readonly onFire: () => void) {}

  armAt(epochMs: number): void {
    if (epochMs >= this.armedFor) return;
    this.clear();
    this.armedFor = epochMs;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.armedFor = Infinity;
      this.onFire();
    }, Math.min(MAX_DELAY_MS, Math.max(MIN_DELAY_MS, epochMs - Date.now())));
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.armedFor = Infinity;
  }
}
