// W7 footprint, derived from other workloads' worker processes rather than
// run on its own (it would only repeat them): idle RSS is sampled in W4
// after the worker has sat idle for 1 s; draining RSS is the peak sampled
// every 50 ms in W3 while the worker drained with concurrency 10.

export default {
  id: 'w7',
  title: 'W7 — worker footprint',
  derived: true,
  describe: (c) => `Resident memory (RSS) of the worker process: idle = sampled in W4 after 1 s idle; draining = peak during W3 (concurrency ${c.concurrency}). MiB, lower is better.`,
  metrics: [
    { key: 'idleRssMb', label: 'idle RSS MiB', better: 'lower', ratio: true, digits: 0 },
    { key: 'drainRssMb', label: 'draining RSS MiB (peak)', better: 'lower', ratio: true, digits: 0 },
  ],

  // rows of W3 and W4 -> rows of W7, round by round.
  derive(byId, systemId) {
    const w3 = byId.w3?.rows[systemId]?.rounds ?? [];
    const w4 = byId.w4?.rows[systemId]?.rounds ?? [];
    const n = Math.max(w3.length, w4.length);
    if (n === 0) return null;
    return Array.from({ length: n }, (_, k) => ({ idleRssMb: w4[k]?.idleRssMb, drainRssMb: w3[k]?.peakRssMb }));
  },
};
