// Concurrent producer loops: N async loops in the parent, each awaiting one
// enqueue call at a time, sharing one counter of task indexes.

import { nowMs } from './clock.js';

// Enqueues tasks 0..total-1; returns the wall time and every call's latency.
export async function produceFixed({ total, producers, call }) {
  const latencies = new Float64Array(total);
  let next = 0;
  const loop = async () => {
    while (next < total) {
      const i = next++;
      const t = nowMs();
      await call(i);
      latencies[i] = nowMs() - t;
    }
  };
  const start = nowMs();
  await Promise.all(Array.from({ length: producers }, loop));
  return { elapsedMs: nowMs() - start, latencies };
}

// Enqueues as fast as possible until `durationMs` has passed; a call already
// in flight at the deadline is awaited but not counted.
export async function produceFor({ durationMs, producers, call, firstIndex = 0 }) {
  let next = firstIndex;
  let counted = 0;
  const start = nowMs();
  const deadline = start + durationMs;
  const loop = async () => {
    while (nowMs() < deadline) {
      await call(next++);
      if (nowMs() <= deadline) counted++;
    }
  };
  await Promise.all(Array.from({ length: producers }, loop));
  return { enqueued: counted, elapsedMs: durationMs, issued: next - firstIndex };
}
