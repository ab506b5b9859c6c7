// One worker process: runs one system's worker (concurrency 10) and tells the
// parent, over IPC, what its handlers saw. Living in its own process makes its
// RSS measurable and makes it the "one worker process" every system gets.
//
// Parent -> child: init {systemId, target, concurrency, reachAt, recordStarts}
//                  count | rss | stop
// Child -> parent: ready | reached {firstStart, at} | count | rss | stopped {...} | failed

import { nowMs } from './lib/clock.js';
import { loadSystem } from './systems/index.js';

const send = (msg) => process.connected && process.send(msg);

const seen = new Set();
let handled = 0;
let duplicates = 0;
let firstStart = null;
let reachAt = Infinity;
let starts = null; // [index, time] pairs when the parent wants pickup latencies
let peakRss = process.memoryUsage.rss();
let worker = null;

// Called by every system's no-op handler with the task's index.
function onTask(i) {
  const t = nowMs();
  firstStart ??= t;
  if (seen.has(i)) duplicates++;
  else seen.add(i);
  handled++;
  starts?.push(i, t);
  if (handled === reachAt) send({ type: 'reached', firstStart, at: t });
}

const rssSampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 50);

async function init(msg) {
  const system = await loadSystem(msg.systemId);
  reachAt = msg.reachAt ?? Infinity;
  if (msg.recordStarts) starts = [];
  worker = await system.startWorker(msg.target, { concurrency: msg.concurrency, onTask });
  send({ type: 'ready' });
}

async function stop() {
  try {
    await worker?.stop();
  } finally {
    clearInterval(rssSampler);
    send({
      type: 'stopped',
      handled,
      distinct: seen.size,
      duplicates,
      firstStart,
      peakRss,
      rss: process.memoryUsage.rss(),
      starts,
    });
    // Some libraries keep timers alive after stop(); the parent is done with us.
    setTimeout(() => process.exit(0), 100);
  }
}

process.on('message', (msg) => {
  const fail = (err) => send({ type: 'failed', error: err?.stack ?? String(err) });
  switch (msg.type) {
    case 'init':
      init(msg).catch(fail);
      break;
    case 'count':
      send({ type: 'count', handled, t: nowMs() });
      break;
    case 'rss':
      send({ type: 'rss', rss: process.memoryUsage.rss() });
      break;
    case 'stop':
      stop().catch(fail);
      break;
  }
});

// If the parent dies, so do we: no orphaned workers holding connections.
process.on('disconnect', () => process.exit(0));
process.on('unhandledRejection', (err) => send({ type: 'failed', error: err?.stack ?? String(err) }));
