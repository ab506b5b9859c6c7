import b from './systems/pgboss.js';
import { PgBoss } from 'pg-boss';
import pg from 'pg';
const admin = new pg.Client('postgres://postgres@127.0.0.1:5432/postgres'); await admin.connect();
const N = 20000;
for (const [lc, bs, burst] of [[2,5,true],[1,10,true],[10,1,false],[5,2,true]]) {
  await admin.query('DROP DATABASE IF EXISTS ptest WITH (FORCE)'); await admin.query('CREATE DATABASE ptest');
  const target = { url: 'postgres://postgres@127.0.0.1:5432/ptest' };
  await b.install(target);
  const p = await b.producer(target, {connections: 2});
  for (let k=0;k<N/1000;k++) await p.addMany(Array.from({length:1000},(_,j)=>k*1000+j));
  await p.close();
  await admin.query('CHECKPOINT');
  const boss = new PgBoss({ connectionString: target.url, schema: 'pgboss', max: 12, useListenNotify: true });
  boss.on('error', ()=>{});
  await boss.start();
  let handled = 0, t0, res; const done = new Promise(r=>res=r);
  await boss.work('bench_noop', { localConcurrency: lc, batchSize: bs, burstWhenBatchFull: burst, pollingIntervalSeconds: 0.5 }, async (jobs) => { for (const j of jobs) { t0 ??= performance.now(); if (++handled === N) res(performance.now()); } });
  const t1 = await Promise.race([done, new Promise(r=>setTimeout(()=>r(null), 60000))]);
  console.log(lc, bs, burst, t1 ? Math.round(N / ((t1 - t0)/1000)) + ' tasks/s' : `timeout handled ${handled}`);
  await boss.stop({graceful:false});
}
await admin.query('DROP DATABASE IF EXISTS ptest WITH (FORCE)'); await admin.end();
