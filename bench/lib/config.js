// Reads every BENCH_* environment variable once, so the rest of the harness
// never touches process.env and the report can print the exact sizes used.

const env = process.env;

function int(name, fallback) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replace(/_/g, ''));
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got "${raw}"`);
  return Math.round(value);
}

function list(name) {
  const raw = env[name];
  if (!raw) return null;
  return raw.split(',').map((s) => s.trim()).filter(Boolean);
}

const quick = env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true';

// Defaults are sized so a full run fits in ~15 minutes on a 2-core machine;
// BENCH_QUICK shrinks everything to a smoke run of a minute or two.
const d = quick
  ? { rounds: 1, w1: 500, w2: 2_000, w3: 2_000, w4: 40, w5: 3, w6Finished: 20_000, w6Queued: 5_000, w8: 100 }
  : { rounds: 3, w1: 5_000, w2: 20_000, w3: 20_000, w4: 300, w5: 15, w6Finished: 1_000_000, w6Queued: 200_000, w8: 1_000 };

const w3Tasks = int('BENCH_W3_TASKS', d.w3);

export const config = {
  quick,
  rounds: int('BENCH_ROUNDS', d.rounds),
  concurrency: int('BENCH_CONCURRENCY', 10),
  producers: int('BENCH_PRODUCERS', 8),
  w1Tasks: int('BENCH_W1_TASKS', d.w1),
  w2Tasks: int('BENCH_W2_TASKS', d.w2),
  w2Batch: int('BENCH_W2_BATCH', 1_000),
  w3Tasks,
  // W3k: the W3 backlog spread over this many concurrency keys (round robin).
  w3kKeys: Math.max(1, int('BENCH_W3K_KEYS', 100)),
  w4Tasks: int('BENCH_W4_TASKS', d.w4),
  w4IntervalMs: int('BENCH_W4_INTERVAL_MS', 20),
  w5Seconds: int('BENCH_W5_SECONDS', d.w5),
  w6Finished: int('BENCH_W6_FINISHED', d.w6Finished),
  w6Queued: int('BENCH_W6_QUEUED', d.w6Queued),
  // W6 times a W3-sized slice of the backlog (see workloads/w6-scale.js).
  w6Slice: Math.min(int('BENCH_W6_SLICE', w3Tasks), int('BENCH_W6_QUEUED', d.w6Queued)),
  w8Graphs: int('BENCH_W8_GRAPHS', d.w8),
  // A measurement that has not finished after this long is abandoned and reported as an error.
  measurementTimeoutMs: int('BENCH_TIMEOUT_S', 240) * 1000,
  databaseUrl: env.BENCH_DATABASE_URL || null,
  redisUrl: env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379',
  systems: list('BENCH_SYSTEMS'),
  workloads: list('BENCH_WORKLOADS'),
  keepDatabases: env.BENCH_KEEP_DATABASES === '1',
};
