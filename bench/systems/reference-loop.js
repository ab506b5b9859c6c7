// Reference (b): the ceiling for draining. A minimal hand-written loop: one
// statement completes the previous batch and claims up to 500 queued rows
// (FOR UPDATE SKIP LOCKED CTE + UPDATE ... RETURNING), the batch runs with
// concurrency 10, repeat. Idle, it waits on LISTEN (a statement trigger
// NOTIFYs on insert), so its pickup latency is a ceiling too. It has none of
// a queue's features: no retries, no lock expiry, no priorities.

import { mapWithConcurrency, packageVersion, quietClient, quietPool, runSql, sqlInspector } from './_shared.js';

const CLAIM_LIMIT = 500;

const SCHEMA = `
  CREATE TABLE ref_task (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    args jsonb NOT NULL,
    state smallint NOT NULL DEFAULT 0, -- 0 queued, 1 running, 2 done
    created_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    finished_at timestamptz
  );
  CREATE INDEX ref_task_queued ON ref_task (id) WHERE state = 0;
  CREATE FUNCTION ref_task_notify() RETURNS trigger LANGUAGE plpgsql AS
    $$ BEGIN PERFORM pg_notify('ref_task', ''); RETURN NULL; END $$;
  CREATE TRIGGER ref_task_notify AFTER INSERT ON ref_task
    FOR EACH STATEMENT EXECUTE FUNCTION ref_task_notify();
`;

// Completing batch k and claiming batch k+1 share one round trip.
const COMPLETE_AND_CLAIM = `
  WITH done AS (
    UPDATE ref_task SET state = 2, finished_at = now() WHERE id = ANY($1::bigint[])
  ), claimed AS (
    SELECT id FROM ref_task WHERE state = 0 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED
  )
  UPDATE ref_task t SET state = 1, started_at = now()
  FROM claimed WHERE t.id = claimed.id
  RETURNING t.id, t.args`;

export default {
  id: 'reference-loop',
  label: 'ref: claim loop',
  kind: 'reference',
  backend: 'postgres',
  workloads: ['w3', 'w3a', 'w4', 'w5', 'w6'],
  notes: {
    w5: 'ref: claim loop is a ceiling for draining only: its producer is a bare INSERT whose statement trigger NOTIFYs on every insert, and NOTIFY serializes commits, so under W5 it is a naive baseline that a queue waking its workers differently can beat.',
  },
  settings: `claim ≤${CLAIM_LIMIT} rows per statement (SKIP LOCKED CTE + UPDATE … RETURNING), batch completion folded into the next claim, LISTEN/NOTIFY wake-up; producer = bare INSERT`,
  version: () => `pg ${packageVersion('pg')}`,
  probe: async () => null,

  install: ({ url }) => runSql(url, SCHEMA),

  async producer({ url }, { connections }) {
    const pool = quietPool({ connectionString: url, max: connections });
    return {
      add: (i) => pool.query({ name: 'ref_task_one', text: 'INSERT INTO ref_task (args) VALUES ($1)', values: [JSON.stringify([i])] }),
      addMany: (indexes) =>
        pool.query({
          name: 'ref_task_many',
          text: 'INSERT INTO ref_task (args) SELECT value FROM jsonb_array_elements($1::jsonb)',
          values: [JSON.stringify(indexes.map((i) => [i]))],
        }),
      close: () => pool.end(),
    };
  },

  prefillFinished: ({ url }, count) =>
    runSql(
      url,
      `INSERT INTO ref_task (args, state, started_at, finished_at)
       SELECT jsonb_build_array(-g), 2, now(), now() FROM generate_series(1, $1) g`,
      [count],
    ),

  inspector: ({ url }) => sqlInspector(url, 'SELECT count(*) FROM ref_task WHERE state < 2'),

  async startWorker({ url }, { concurrency, onTask }) {
    const client = quietClient({ connectionString: url });
    await client.connect();
    let stopping = false;
    let wake = null;
    let notified = false; // a NOTIFY that lands while a claim is in flight must not be lost
    client.on('notification', () => {
      notified = true;
      wake?.();
    });
    await client.query('LISTEN ref_task');

    const loop = async () => {
      let done = [];
      while (!stopping || done.length) {
        notified = false;
        const { rows } = await client.query({ name: 'claim', text: COMPLETE_AND_CLAIM, values: [done, stopping ? 0 : CLAIM_LIMIT] });
        done = [];
        if (rows.length) {
          await mapWithConcurrency(rows, concurrency, async (row) => onTask(row.args[0]));
          done = rows.map((r) => r.id);
          continue;
        }
        if (stopping) break;
        if (notified) continue;
        // Nothing queued: sleep until a NOTIFY (or a 1 s safety poll).
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, 1000);
          wake = () => {
            clearTimeout(timer);
            wake = null;
            resolve();
          };
        });
      }
    };
    const running = loop();
    return {
      async stop() {
        stopping = true;
        wake?.();
        await running;
        await client.end();
      },
    };
  },
};
