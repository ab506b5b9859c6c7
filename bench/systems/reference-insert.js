// Reference (a): the durable-commit ceiling for enqueueing. A bare single-row
// INSERT into a two-column table, through the same number of connections as
// the queues' producers; bulk is one multi-row INSERT per batch. No queue can
// commit a task faster than PostgreSQL commits this row.

import { packageVersion, quietPool, runSql } from './_shared.js';

export default {
  id: 'reference-insert',
  label: 'ref: bare INSERT',
  kind: 'reference',
  backend: 'postgres',
  workloads: ['w1', 'w2'],
  settings: 'table (id bigint identity primary key, args jsonb); prepared single-row INSERT; bulk = INSERT ... SELECT FROM jsonb_array_elements($1)',
  version: () => `pg ${packageVersion('pg')}`,
  probe: async () => null,

  async install({ url }) {
    await runSql(url, 'CREATE TABLE ref_insert (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, args jsonb NOT NULL)');
  },

  async producer({ url }, { connections }) {
    const pool = quietPool({ connectionString: url, max: connections });
    return {
      add: (i) => pool.query({ name: 'ref_insert_one', text: 'INSERT INTO ref_insert (args) VALUES ($1)', values: [JSON.stringify([i])] }),
      addMany: (indexes) =>
        pool.query({
          name: 'ref_insert_many',
          text: 'INSERT INTO ref_insert (args) SELECT value FROM jsonb_array_elements($1::jsonb)',
          values: [JSON.stringify(indexes.map((i) => [i]))],
        }),
      close: () => pool.end(),
    };
  },
};
