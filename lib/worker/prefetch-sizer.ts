/** Weight of the newest sample in the moving averages: recent load matters, one outlier does not. */
const ALPHA = 0.2;
/** Work in the buffer should last this many claim round trips, so a refill lands before it runs dry. */
const ROUND_TRIPS_COVERED = 2;

/**
 * Decides how many tasks a worker holds claimed ahead of its free slots.
 *
 * The buffer is sized to the work that runs during about two claim round
 * trips: `concurrency × 2 × claimMs / taskMs`, bounded by the configured
 * `prefetch`. Fast tasks (a no-op runs in microseconds) get a buffer of
 * hundreds, so one claim statement feeds hundreds of runs; slow tasks get
 * almost none, so a task is never held by a busy worker while another one
 * idles, and a crash strands few claimed-but-unstarted tasks.
 *
 * It starts from the pessimistic side (no buffer until a task has been
 * measured) and adapts after the first measurements.
 *
 * The bound is halved while claims come back with fewer rows than they asked
 * for: the queue has no backlog, and a larger target would only start a
 * second claim statement beside the first (rows asked for count as held), so
 * a trickle of tasks would cost two statements where one does. With a
 * backlog (the last claim came back full) the whole bound applies, and two
 * claims in flight keep a fast drain fed.
 */
export class PrefetchSizer {
  private claimMs = 1;
  private taskMs = Number.POSITIVE_INFINITY;
  private backlog = false;

  constructor(
    private readonly concurrency: number,
    private readonly maxPrefetch: number,
  ) {}

  recordClaim(ms: number): void {
    this.claimMs += ALPHA * (ms - this.claimMs);
  }

  /** A claim asked for `asked` rows and got `got`: a full one means a backlog. */
  recordClaimFill(asked: number, got: number): void {
    this.backlog = got >= asked;
  }

  recordTask(ms: number): void {
    this.taskMs = Number.isFinite(this.taskMs) ? this.taskMs + ALPHA * (ms - this.taskMs) : ms;
  }

  /** Tasks to hold beyond the free slots. */
  target(): number {
    // Nothing measured yet: claim for the free slots only.
    if (!Number.isFinite(this.taskMs)) return 0;
    // The worker holds up to twice this (it claims when down to it). Rounded
    // down, so tasks much slower than a claim get no buffer at all.
    const wanted = Math.floor((this.concurrency * ROUND_TRIPS_COVERED * this.claimMs) / Math.max(this.taskMs, 0.001));
    return Math.min(this.backlog ? this.maxPrefetch : Math.ceil(this.maxPrefetch / 2), wanted);
  }
}
