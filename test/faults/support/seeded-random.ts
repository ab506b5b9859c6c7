/**
 * A seeded pseudo-random source (mulberry32), so that a failing chaos run can
 * be replayed with the same choices: the seed comes from `QT_FAULTS_SEED`
 * when set, and scenarios print it in their failure messages.
 */
export interface SeededRandom {
  readonly seed: number;
  /** In [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
}

export function seededRandom(seed = process.env.QT_FAULTS_SEED ? Number(process.env.QT_FAULTS_SEED) : Date.now() % 2 ** 31): SeededRandom {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    seed,
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
  };
}
