/** One handler run seen inside the test process: which attempt, when it started and ended. */
export interface Run {
  id: string;
  attempt: number;
  start: number;
  end: number | null;
}

/** Records handler runs in memory, for tests whose workers run in the test process. */
export class RunLog {
  readonly runs: Run[] = [];
  private active = 0;
  /** Most handlers of this log running at the same moment. */
  maxActive = 0;

  begin(id: string, attempt: number): Run {
    const run: Run = { id, attempt, start: performance.now(), end: null };
    this.runs.push(run);
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    return run;
  }

  end(run: Run): void {
    run.end = performance.now();
    this.active--;
  }

  /** Pairs of runs of the same task whose intervals intersect (a run still going counts as lasting until now). */
  overlaps(): [Run, Run][] {
    const pairs: [Run, Run][] = [];
    for (let i = 0; i < this.runs.length; i++) {
      for (let j = i + 1; j < this.runs.length; j++) {
        const a = this.runs[i]!;
        const b = this.runs[j]!;
        if (a.id !== b.id) continue;
        if (a.start < (b.end ?? Infinity) && b.start < (a.end ?? Infinity)) pairs.push([a, b]);
      }
    }
    return pairs;
  }

  of(id: string): Run[] {
    return this.runs.filter((run) => run.id === id);
  }
}
