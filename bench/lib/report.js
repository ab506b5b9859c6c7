// Turns raw rounds into medians [min–max] and "ours vs peer" ratios, and
// renders them as Markdown (printed and saved) and JSON (saved).

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { summarize } from './stats.js';

const OURS = 'queued-tasks';

function fmt(value, digits = 0) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return value.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function cell(summary, digits) {
  if (!summary) return '—';
  if (summary.n === 1 || summary.min === summary.max) return fmt(summary.median, digits);
  return `${fmt(summary.median, digits)} [${fmt(summary.min, digits)}–${fmt(summary.max, digits)}]`;
}

// >1 always means ours is better: ours/peer for "higher is better",
// peer/ours for "lower is better" (latency, memory).
export function ratio(ours, other, better) {
  if (!(ours > 0) || !(other > 0)) return null;
  return better === 'higher' ? ours / other : other / ours;
}

function checkCell(rounds, key) {
  const values = rounds.map((r) => r[key]).filter(Boolean);
  if (values.length === 0) return '—';
  const failed = values.filter((v) => v !== 'ok');
  if (failed.length === 0) return 'ok';
  return `${failed.length} of ${values.length} rounds ${[...new Set(failed)].join('; ')}`;
}

// Adds summary (per metric) and ratios (vs ours) to every row of a workload.
export function summarizeWorkload(workload) {
  for (const row of Object.values(workload.rows)) {
    row.summary = {};
    for (const m of workload.metrics) {
      if (m.kind === 'check') row.summary[m.key] = checkCell(row.rounds, m.key);
      else row.summary[m.key] = summarize(row.rounds.map((r) => r[m.key]));
    }
  }
  const ours = workload.rows[OURS];
  for (const [id, row] of Object.entries(workload.rows)) {
    row.ratios = {};
    if (id === OURS || !ours) continue;
    for (const m of workload.metrics.filter((x) => x.ratio)) {
      row.ratios[m.key] = ratio(ours.summary[m.key]?.median, row.summary[m.key]?.median, m.better);
    }
  }
}

export function workloadMarkdown(workload, systems) {
  const ratioMetrics = workload.metrics.filter((m) => m.ratio);
  const extra = workload.extraColumns ?? [];
  const head = ['System', ...workload.metrics.map((m) => m.label), ...extra.map((e) => e.label), ...ratioMetrics.map((m) => `ours vs this (${m.label})`)];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`];
  for (const system of systems) {
    const row = workload.rows[system.id];
    if (!row) continue;
    const cells = [system.label];
    for (const m of workload.metrics) cells.push(m.kind === 'check' ? row.summary[m.key] : cell(row.summary[m.key], m.digits));
    for (const e of extra) cells.push(e.value(system.id));
    for (const m of ratioMetrics) {
      const r = row.ratios[m.key];
      cells.push(system.id === OURS ? '(ours)' : r === null || r === undefined ? '—' : `${fmt(r, 2)}×`);
    }
    if (row.errors.length) cells[0] += ` ⚠ ${row.errors.length} failed run(s)`;
    lines.push(`| ${cells.join(' | ')} |`);
  }
  const errors = systems.flatMap((s) => (workload.rows[s.id]?.errors ?? []).map((e) => `- ${s.label}: ${e}`));
  const notes = workload.notes ?? [];
  return [
    `### ${workload.title}`,
    '',
    workload.description,
    '',
    ...lines,
    ...(notes.length ? ['', ...notes.map((n) => `- ${n}`)] : []),
    ...(errors.length ? ['', 'Failed runs:', ...errors] : []),
    '',
  ].join('\n');
}

export function reportMarkdown(results, systems) {
  const { meta } = results;
  const out = [
    `# nestjs-queued-tasks benchmark${meta.quick ? ' (BENCH_QUICK smoke run)' : ''}`,
    '',
    `${meta.date} · ${meta.rounds} round(s) per workload, systems in rotating order · total ${fmt(meta.durationSeconds)} s`,
    '',
    '**How to read:** each cell is the median over rounds with [min–max]. "ours vs this" is our median divided by that system\'s for throughput, and that system\'s divided by ours for latency and memory, so **> 1× always means nestjs-queued-tasks is better**. Rows marked "ref:" are hand-written SQL with no queue features: "ref: bare INSERT" is the ceiling for enqueueing (W1, W2) and "ref: claim loop" the ceiling for draining (W3, W6); there ours vs a reference is below 1× by construction and shows how close we get.',
    '',
    '## Environment',
    '',
    `- Machine: ${meta.machine.cpus} × ${meta.machine.cpuModel}, ${fmt(meta.machine.memoryGiB, 1)} GiB RAM, ${meta.machine.platform}; Node ${meta.machine.node}; 1-min load average ${fmt(meta.machine.loadAverage1m.start, 2)} at start, ${fmt(meta.machine.loadAverage1m.end, 2)} at end (that one includes the bench itself)`,
    `- PostgreSQL: ${meta.postgres.kind} server, ${Object.entries(meta.postgres.settings).map(([k, v]) => `${k}=${v}`).join(', ')}`,
    `- Redis: ${meta.redis ? `${meta.redis.version} (${meta.redis.persistence}) — BullMQ on Redis is for context only: its durability is not PostgreSQL's` : 'not available'}`,
    `- Sizes: ${Object.entries(meta.sizes).map(([k, v]) => `${k}=${v}`).join(', ')}`,
    '',
    '| System | Version | Configuration |',
    '| --- | --- | --- |',
    ...systems.map((s) => `| ${s.label} | ${s.version} | ${s.settings} |`),
    '',
    ...(results.skipped.length ? ['Skipped:', ...results.skipped.map((s) => `- ${s.label}: ${s.reason}`), ''] : []),
    '## Results',
    '',
  ];
  for (const w of results.workloads) out.push(workloadMarkdown(w, systems));
  return out.join('\n');
}

export function writeResults(results, systems, dir) {
  mkdirSync(dir, { recursive: true });
  const stamp = results.meta.date.replace(/[:]/g, '-').replace(/\..*$/, '');
  const base = path.join(dir, `${stamp}${results.meta.quick ? '-quick' : ''}`);
  const markdown = reportMarkdown(results, systems);
  writeFileSync(`${base}.md`, markdown);
  const json = { ...results, workloads: results.workloads.map(({ extraColumns, ...w }) => w) };
  writeFileSync(`${base}.json`, `${JSON.stringify(json, null, 2)}\n`);
  return { markdown, files: [`${base}.md`, `${base}.json`] };
}
