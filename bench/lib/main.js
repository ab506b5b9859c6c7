// Orchestration: start PostgreSQL, probe the systems, then for every workload
// run each system once per round (order rotating each round), each on a fresh
// database, and finally write bench/results/. Everything started is cleaned
// up on the way out, including on error and Ctrl-C.

import os from 'node:os';
import path from 'node:path';
import { installSignalHandlers, isStopping, killChildren, runCleanup } from './cleanup.js';
import { nowMs, withTimeout } from './clock.js';
import { config } from './config.js';
import { createHarness } from './harness.js';
import { startPostgres } from './postgres.js';
import { summarizeWorkload, workloadMarkdown, writeResults } from './report.js';
import { SYSTEM_IDS, loadSystem } from '../systems/index.js';
import w1 from '../workloads/w1-single.js';
import w2 from '../workloads/w2-bulk.js';
import w3 from '../workloads/w3-drain.js';
import w3a from '../workloads/w3-analyzed.js';
import w3k from '../workloads/w3k-keyed.js';
import w4 from '../workloads/w4-latency.js';
import w5 from '../workloads/w5-sustained.js';
import w6 from '../workloads/w6-scale.js';
import w7 from '../workloads/w7-footprint.js';
import w8 from '../workloads/w8-flow.js';

const WORKLOADS = [w1, w2, w3, w3a, w3k, w4, w5, w6, w7, w8];
const resultsDir = path.resolve(import.meta.dirname, '..', 'results');

const rotate = (list, by) => list.map((_, k) => list[(k + by) % list.length]);

function oneLine(workload, result) {
  return workload.metrics
    .filter((m) => result[m.key] !== undefined)
    .map((m) => `${m.label} ${typeof result[m.key] === 'number' ? result[m.key].toFixed(m.digits ?? 0) : result[m.key]}`)
    .join(', ');
}

async function loadSystems(env) {
  const systems = [];
  const skipped = [];
  for (const id of SYSTEM_IDS) {
    if (config.systems && !config.systems.includes(id)) continue;
    const system = await loadSystem(id);
    const reason = await system.probe(env);
    if (reason) {
      console.log(`SKIP ${system.label}: ${reason}`);
      skipped.push({ id, label: system.label, reason });
    } else {
      system.version = system.version();
      systems.push(system);
    }
  }
  return { systems, skipped };
}

async function runWorkload(workload, systems, harness) {
  const participants = systems.filter((s) => s.workloads.includes(workload.id));
  const rows = Object.fromEntries(participants.map((s) => [s.id, { rounds: [], errors: [] }]));
  console.log(`\n== ${workload.title} ==`);
  for (let round = 0; round < config.rounds; round++) {
    for (const system of rotate(participants, round)) {
      if (isStopping()) throw new Error('interrupted');
      const started = nowMs();
      let fresh = null;
      try {
        fresh = await harness.freshTarget(system, workload.template);
        const result = await withTimeout(workload.measure(system, fresh.target, harness), config.measurementTimeoutMs, `${workload.id} ${system.id}`);
        rows[system.id].rounds.push(result);
        console.log(`  r${round + 1} ${system.label}: ${oneLine(workload, result)}  (${((nowMs() - started) / 1000).toFixed(1)} s)`);
      } catch (err) {
        killChildren();
        // The report keeps the first line; the console gets the whole stack.
        rows[system.id].errors.push(`round ${round + 1}: ${String(err?.message ?? err).split('\n')[0]}`);
        console.log(`  r${round + 1} ${system.label}: FAILED ${err?.stack ?? err}`);
      } finally {
        await fresh?.dispose().catch((err) => console.log(`  (could not drop measurement data: ${err.message})`));
      }
    }
  }
  return rows;
}

async function main() {
  installSignalHandlers();
  const began = nowMs();
  const date = new Date().toISOString();
  // Other work on the machine skews every figure; the report records how busy it was.
  const loadAtStart = os.loadavg()[0];
  console.log(`nestjs-queued-tasks benchmark${config.quick ? ' — BENCH_QUICK' : ''}: ${config.rounds} round(s)`);

  const pgServer = await startPostgres(config);
  const env = { redisUrl: config.redisUrl, redis: null };
  const { systems, skipped } = await loadSystems(env);
  const harness = createHarness({ config, pgServer, redisUrl: config.redisUrl });

  const byId = {};
  const workloads = [];
  for (const workload of WORKLOADS) {
    if (config.workloads && !config.workloads.includes(workload.id)) continue;
    const entry = {
      id: workload.id,
      title: workload.title,
      description: workload.describe(config),
      metrics: workload.metrics,
      notes: [...(workload.note ? [workload.note] : []), ...new Set(systems.filter((s) => s.notes?.[workload.id]).map((s) => s.notes[workload.id]))],
      rows: {},
    };
    if (workload.derived) {
      for (const s of systems) {
        const rounds = workload.derive(byId, s.id);
        if (rounds) entry.rows[s.id] = { rounds, errors: [] };
      }
      if (Object.keys(entry.rows).length === 0) continue;
    } else {
      entry.rows = await runWorkload(workload, systems, harness);
    }
    if (workload.id === 'w6') {
      // The 1.2M-row templates are large; free the disk before going on.
      await harness.dropTemplates();
      entry.extraColumns = [{ label: byId.w3a ? 'W6 ÷ W3a' : 'W6 ÷ W3', value: (id) => scaleRatio(byId, entry, id) }];
    }
    if (workload.relativeToWorkload) {
      const rel = workload.relativeToWorkload;
      entry.extraColumns = [{ label: rel.label, value: (id) => fmtRatio(crossRatio(byId, entry, id, rel)) }];
    }
    summarizeWorkload(entry);
    if (workload.relativeToWorkload) {
      // Kept in the JSON too (extraColumns are not).
      const rel = workload.relativeToWorkload;
      entry.relative = Object.fromEntries(Object.keys(entry.rows).map((id) => [id, { to: `${rel.workload}:${rel.system}`, [rel.metric]: crossRatio(byId, entry, id, rel) }]));
    }
    entry.notes.push(...variantNotes(entry, systems));
    byId[workload.id] = entry;
    workloads.push(entry);
    console.log(`\n${workloadMarkdown(entry, systems)}`);
  }

  const results = {
    meta: {
      date,
      quick: config.quick,
      rounds: config.rounds,
      durationSeconds: (nowMs() - began) / 1000,
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model?.trim() ?? '?',
        memoryGiB: os.totalmem() / 2 ** 30,
        platform: `${os.platform()} ${os.release()} ${os.arch()}`,
        node: process.version,
        loadAverage1m: { start: loadAtStart, end: os.loadavg()[0] },
      },
      postgres: { kind: pgServer.kind, settings: await pgServer.settings() },
      redis: env.redis,
      sizes: {
        concurrency: config.concurrency,
        producers: config.producers,
        w1Tasks: config.w1Tasks,
        w2Tasks: config.w2Tasks,
        w2Batch: config.w2Batch,
        w3Tasks: config.w3Tasks,
        w3kKeys: config.w3kKeys,
        w4Tasks: config.w4Tasks,
        w4IntervalMs: config.w4IntervalMs,
        w5Seconds: config.w5Seconds,
        w6Finished: config.w6Finished,
        w6Queued: config.w6Queued,
        w6Slice: config.w6Slice,
      },
    },
    systems: systems.map((s) => ({ id: s.id, label: s.label, kind: s.kind, backend: s.backend, version: s.version, settings: s.settings })),
    skipped,
    workloads,
  };
  const { files } = writeResults(results, systems, resultsDir);
  console.log(`\nResults written to ${files.map((f) => path.relative(process.cwd(), f)).join(' and ')} (${results.meta.durationSeconds.toFixed(0)} s in total)`);
}

// W6 against the drain on an analyzed table of the same size class (W3a),
// or W3 when W3a did not run: both W6 and W3a are analyzed.
function scaleRatio(byId, w6, systemId) {
  const w3 = (byId.w3a ?? byId.w3)?.rows[systemId];
  const row = w6.rows[systemId];
  if (!w3 || !row) return '—';
  const a = row.rounds.map((r) => r.tasksPerSec).sort((x, y) => x - y);
  const b = w3.summary?.tasksPerSec?.median;
  if (!a.length || !b) return '—';
  const mid = a.length >> 1;
  const med = a.length % 2 ? a[mid] : (a[mid - 1] + a[mid]) / 2;
  return `${(med / b).toFixed(2)}×`;
}

const median = (values) => {
  const a = values.filter((v) => Number.isFinite(v)).sort((x, y) => x - y);
  if (!a.length) return null;
  const mid = a.length >> 1;
  return a.length % 2 ? a[mid] : (a[mid - 1] + a[mid]) / 2;
};
const fmtRatio = (r) => (r === null || r === undefined || !Number.isFinite(r) ? '—' : `${r.toFixed(2)}×`);

// A workload's row against another workload's row of the same run (W3k ÷ our
// W3): ratio of the medians, or null when either is missing.
function crossRatio(byId, entry, systemId, { workload, system, metric }) {
  const a = median(entry.rows[systemId]?.rounds.map((r) => r[metric]) ?? []);
  const b = byId[workload]?.rows[system]?.summary?.[metric]?.median;
  return a && b ? a / b : null;
}

// Variant systems with `relativeTo` (queued-tasks-limited): one line under the
// table with their median ÷ the reference row's median in this workload and
// run, and the issue's target when there is one.
function variantNotes(entry, systems) {
  const lines = [];
  for (const s of systems) {
    const rel = s.relativeTo;
    const row = entry.rows[s.id];
    if (!rel || !row) continue;
    const ref = entry.rows[rel.system];
    const a = row.summary?.[rel.metric]?.median;
    const b = ref?.summary?.[rel.metric]?.median;
    const metric = entry.metrics.find((m) => m.key === rel.metric)?.label ?? rel.metric;
    if (!ref || !(a > 0) || !(b > 0)) {
      lines.push(`${s.label}: ${metric} ratio ${rel.what} not available (${ref ? 'no median' : `${rel.system} did not run`}).`);
      continue;
    }
    const r = a / b;
    const target = rel.target === undefined ? '' : `; target ≥ ${rel.target}×: ${r >= rel.target ? 'met' : 'NOT met'}`;
    lines.push(`${s.label}: ${metric} ${fmtRatio(r)} ${rel.what}${target}.`);
  }
  return lines;
}

try {
  await main();
} catch (err) {
  console.error(err?.stack ?? err);
  process.exitCode = 1;
} finally {
  await runCleanup();
}
// Peer libraries can leave timers or sockets behind; the run is over.
process.exit(process.exitCode ?? 0);
