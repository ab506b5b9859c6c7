/**
 * The fault-injection tools themselves: a scenario that passes because its
 * fault never happened would prove nothing.
 */
import pg from 'pg';
import { useTestDatabase } from '../support/suite.js';
import { useCleanup } from './support/cleanup.js';
import {
  lostTasks,
  maxConcurrencyByPid,
  orphanRestarts,
  overlappingExecutions,
  type Execution,
  type KillTime,
} from './support/execution-log.js';
import { describeWithOwnServer, startOwnPostgres } from './support/own-postgres.js';
import { TcpProxy, isUpdateReturningRows } from './support/tcp-proxy.js';

async function client(url: string, applicationName = 'qt-faults-probe', connectionTimeoutMillis = 0): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url, application_name: applicationName, connectionTimeoutMillis });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

function connectError(url: string, connectionTimeoutMillis = 0): Promise<Error & { code?: string }> {
  return client(url, 'qt-faults-probe', connectionTimeoutMillis).then(
    async (c) => {
      await c.end();
      throw new Error('connected');
    },
    (error: Error) => error,
  );
}

describe('fault tools', () => {
  const defer = useCleanup();
  const { db } = useTestDatabase();

  describe('TCP proxy', () => {
    beforeAll(async () => {
      await db().query(`CREATE TABLE public.proxy_probe (id int PRIMARY KEY, n int NOT NULL DEFAULT 0)`);
      await db().query(`INSERT INTO public.proxy_probe (id) SELECT generate_series(1, 3)`);
    });

    it('forwards, cuts open connections, and refuses new ones while paused', async () => {
      const proxy = defer(await TcpProxy.start({ port: Number(new URL(db().url).port) }), (p) => p.close());
      const c = defer(await client(proxy.url(db().url), 'qt-faults-a'), (c) => c.end().catch(() => undefined));
      expect((await c.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      expect(proxy.connections()).toEqual([expect.objectContaining({ applicationName: 'qt-faults-a', blackholed: false })]);

      await proxy.pause('refuse');
      expect(proxy.cut()).toBe(1);
      await expect(c.query('SELECT 1')).rejects.toThrow(/Connection terminated|not queryable/);
      expect(await connectError(proxy.url(db().url))).toMatchObject({ code: 'ECONNREFUSED' });
      await proxy.resume();
      const again = defer(await client(proxy.url(db().url)), (c) => c.end());
      expect((await again.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
    });

    it('resets new connections in reset mode, and never answers in blackhole mode', async () => {
      const proxy = defer(await TcpProxy.start({ port: Number(new URL(db().url).port) }), (p) => p.close());
      await proxy.pause('reset');
      expect((await connectError(proxy.url(db().url))).message).toMatch(/ECONNRESET|Connection terminated unexpectedly/);
      await proxy.pause('blackhole');
      const started = Date.now();
      expect((await connectError(proxy.url(db().url), 500)).message).toMatch(/timeout/i);
      expect(Date.now() - started).toBeGreaterThanOrEqual(450);
      expect(proxy.cut((c) => c.blackholed)).toBeLessThanOrEqual(1);
    });

    it('severs the connections of one application_name only, now and on reconnect', async () => {
      const proxy = defer(await TcpProxy.start({ port: Number(new URL(db().url).port) }), (p) => p.close());
      const victim = defer(await client(proxy.url(db().url), 'qt-victim'), (c) => c.end().catch(() => undefined));
      const bystander = defer(await client(proxy.url(db().url), 'qt-bystander'), (c) => c.end());
      const restore = proxy.sever((name) => name === 'qt-victim');
      await expect(victim.query('SELECT 1')).rejects.toThrow();
      await expect(client(proxy.url(db().url), 'qt-victim')).rejects.toThrow(/Connection terminated/);
      expect((await bystander.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      restore();
      const back = defer(await client(proxy.url(db().url), 'qt-victim'), (c) => c.end());
      expect((await back.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    });

    it('cutAfterCommit: the UPDATE … RETURNING commits, its reply is lost, other statements pass', async () => {
      const proxy = defer(await TcpProxy.start({ port: Number(new URL(db().url).port) }), (p) => p.close());
      const c = defer(await client(proxy.url(db().url), 'qt-claimer'), (c) => c.end().catch(() => undefined));
      const lost = proxy.cutAfterCommit(isUpdateReturningRows);
      // Not matched: a SELECT, an UPDATE without RETURNING, an UPDATE … RETURNING of no row, one inside a transaction block.
      await c.query('SELECT id FROM public.proxy_probe');
      await c.query('UPDATE public.proxy_probe SET n = n + 1 WHERE id = 1');
      await c.query('UPDATE public.proxy_probe SET n = n + 1 WHERE id = 0 RETURNING id');
      await c.query('BEGIN');
      await c.query('UPDATE public.proxy_probe SET n = n + 100 WHERE id = 3 RETURNING id');
      await c.query('ROLLBACK');
      // Matched, prepared as the queue's statements are (extended protocol).
      await expect(
        c.query({ name: 'claim', text: 'UPDATE public.proxy_probe SET n = n + 1 WHERE id = ANY($1) RETURNING id, n', values: [[2, 3]] }),
      ).rejects.toThrow(/Connection terminated/);
      await expect(lost).resolves.toMatchObject({ tag: 'UPDATE 2', count: 2, rows: 2, columns: ['id', 'n'], applicationName: 'qt-claimer' });
      expect((await db().query(`SELECT id, n FROM public.proxy_probe ORDER BY id`))).toEqual([
        { id: 1, n: 1 },
        { id: 2, n: 1 },
        { id: 3, n: 1 },
      ]);
      // One shot.
      const next = defer(await client(proxy.url(db().url)), (c) => c.end());
      expect((await next.query('UPDATE public.proxy_probe SET n = n + 1 WHERE id = 1 RETURNING n')).rows).toEqual([{ n: 2 }]);
    });

    it('passes large replies split across many TCP chunks unchanged', async () => {
      const proxy = defer(await TcpProxy.start({ port: Number(new URL(db().url).port) }), (p) => p.close());
      const c = defer(await client(proxy.url(db().url)), (c) => c.end());
      const { rows } = await c.query(`SELECT g AS i, repeat('x', 1000) AS pad FROM generate_series(1, 5000) g`);
      expect(rows).toHaveLength(5000);
      expect(rows[4999]).toEqual({ i: 4999 + 1, pad: 'x'.repeat(1000) });
    });
  });

  describeWithOwnServer('own PostgreSQL', () => {
    it('stops (fast shutdown: sessions end with 57P01) and starts again on the same port, data kept', async () => {
      const own = defer(await startOwnPostgres(), (s) => s.destroy());
      await own.query(`INSERT INTO queued_tasks.tasks (name) VALUES ('kept')`);
      const session = await client(own.url, 'qt-faults-session');
      const errors: (Error & { code?: string })[] = [];
      session.on('error', (error) => errors.push(error));
      const pending = session.query('SELECT pg_sleep(30)').catch((error: Error & { code?: string }) => error);

      await own.stop();
      expect(own.running).toBe(false);
      expect(await pending).toMatchObject({ code: '57P01', message: 'terminating connection due to administrator command' });
      expect(await connectError(own.url)).toMatchObject({ code: 'ECONNREFUSED' });
      await session.end().catch(() => undefined);

      await own.start();
      expect(await own.query(`SELECT name FROM queued_tasks.tasks`)).toEqual([{ name: 'kept' }]);
      const timing = await own.restart(200);
      expect(timing.startedAt - timing.stoppedAt).toBeGreaterThanOrEqual(200);
      expect(await own.query(`SELECT current_user AS u`)).toEqual([{ u: own.appRole }]);
    });

    it('refuses the application role with 53300 once max_connections minus the reserved slots are used; the superuser still gets in', async () => {
      const own = defer(await startOwnPostgres({ postgresFlags: ['-c', 'max_connections=8', '-c', 'superuser_reserved_connections=3'] }), (s) =>
        s.destroy(),
      );
      const held: pg.Client[] = [];
      defer(held, (list) => Promise.all(list.map((c) => c.end().catch(() => undefined))));
      let refusal: (Error & { code?: string }) | undefined;
      for (let i = 0; i < 10 && !refusal; i++) {
        try {
          held.push(await client(own.url));
        } catch (error) {
          refusal = error as Error & { code?: string };
        }
      }
      expect(held).toHaveLength(5);
      expect(refusal).toMatchObject({ code: '53300', message: 'remaining connection slots are reserved for roles with the SUPERUSER attribute' });
      expect(await own.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1`, [own.appRole], 'admin')).toEqual([{ n: 5 }]);
    });
  });

  describe('execution log analysis', () => {
    const t0 = Date.parse('2030-01-01T00:00:00Z');
    let nextId = 1;
    const run = (task: string, pid: number, start: number, end: number | null, outcome: Execution['outcome'] = end === null ? null : 'completed'): Execution => ({
      id: nextId++,
      task_id: task,
      attempt: 1,
      pid,
      worker_id: `w${pid}`,
      started_at: new Date(t0 + start),
      finished_at: end === null ? null : new Date(t0 + end),
      outcome,
    });
    const kills = new Map<number, KillTime>([[1, { sentAt: t0 + 1_000, diedAt: t0 + 1_010 }]]);

    it('finds lost tasks, overlaps (an endless run lasts until its kill), concurrency and restart delays', () => {
      const runs = [
        run('a', 1, 0, null), // killed at 1 000
        run('a', 2, 3_000, 3_100), // restarted 2 000 after the kill
        run('b', 1, 500, null),
        run('b', 2, 900, 950), // ran while b still ran in pid 1: overlap
        run('c', 2, 0, 100),
        run('c', 3, 100, 200), // starts as the other ends: no overlap
        run('d', 3, 0, 50, 'aborted'),
        run('e', 4, 0, null), // never killed: lasts for ever
        run('e', 3, 5_000, 5_001),
      ];
      expect(lostTasks(['a', 'b', 'c', 'd', 'e', 'f'], runs)).toEqual(['d', 'f']);
      expect(overlappingExecutions(runs, kills).map(([x, y]) => [x.task_id, x.pid, y.pid])).toEqual([
        ['b', 1, 2],
        ['e', 4, 3],
      ]);
      expect(maxConcurrencyByPid(runs, kills)).toEqual(new Map([[1, 2], [2, 1], [3, 1], [4, 1]]));
      const restarts = orphanRestarts(runs, kills);
      expect(restarts.map((r) => [r.orphan.task_id, r.killedAt, r.delayMs])).toEqual([
        ['a', t0 + 1_000, 2_000],
        ['b', t0 + 1_000, undefined],
        ['e', undefined, undefined],
      ]);
    });
  });
});
