// The systems under test, in report order, and the contract each adapter
// module implements (its default export):
//
//   id, label          short id (file name) and display name
//   kind               'ours' | 'baseline' | 'peer' | 'reference'
//   backend            'postgres' | 'redis'
//   workloads          ids of the workloads it takes part in ('w1'..'w8', 'w3a', 'w3k'; w7 is derived)
//   settings           one line describing the configuration used (printed in the report)
//   notes              optional { w6: '...' } remarks printed under a workload's table
//   relativeTo         optional { system, metric, what, target }: a variant's median ÷
//                      that system's, same workload and run, printed under the table
//   beforeDrain(target, { concurrency })   optional, drain workloads: untimed setup
//                      after the prefill, before the worker starts (queue limits)
//   version()          package version string
//   probe(env)         -> null when usable, else the reason it is skipped (printed)
//   install(target)    creates its schema in an empty database (that database then
//                      serves as the template every measurement is cloned from)
//   producer(target, { connections })   -> { add(i), addMany(indexes), close() },
//                      optionally addManyKeyed(indexes, keyOf) (W3k: concurrency keys)
//   prefillFinished(target, count)      W6: `count` finished tasks via SQL (optional)
//   inspector(target)  -> { unfinished(), close() }: tasks queued or running now
//   startWorker(target, { concurrency, onTask })  -> { stop() }; runs in a worker
//                      child; the handler calls onTask(i) with the task's index
//
// `target` is { url, redisUrl, prefix }: the measurement's own database (or,
// for Redis, its own key prefix).

export const SYSTEM_IDS = [
  'queued-tasks',
  'queued-tasks-baseline',
  'queued-tasks-reporting',
  'queued-tasks-limited',
  'pgboss',
  'graphile-default',
  'graphile-fast',
  'bullmq-pg',
  'bullmq-redis',
  'reference-insert',
  'reference-loop',
];

export async function loadSystem(id) {
  return (await import(`./${id}.js`)).default;
}
