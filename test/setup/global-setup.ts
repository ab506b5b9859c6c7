import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { runQueueMigrations } from '../../lib/persistence/queue-migrator.js';
import { DEFAULT_SCHEMA } from '../../lib/queued-tasks.constants.js';
import { startEmbeddedPostgres, type RunningEmbeddedPostgres } from '../../lib/embedded-database/start-embedded-postgres.js';
import { ENV_ADMIN_URL, ENV_EMBEDDED_DIR, ENV_TEMPLATE } from './test-database-names.js';
import { databaseUrl } from '../support/database-url.js';

declare global {
  var __QT_EMBEDDED__: RunningEmbeddedPostgres | undefined;
}

/**
 * Runs once before all test files: a PostgreSQL server (DATABASE_URL, or an
 * embedded one), and a template database migrated once that every test
 * file clones into a database of its own.
 */
export default async function globalSetup(): Promise<void> {
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const dataDir = mkdtempSync(join(tmpdir(), 'qt-test-pg-'));
    const server = await startEmbeddedPostgres({ clusterDir: dataDir, persistent: false });
    globalThis.__QT_EMBEDDED__ = server;
    process.env[ENV_EMBEDDED_DIR] = dataDir;
    adminUrl = server.url;
  }
  const template = `qt_template_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${template}`);
  } finally {
    await admin.end();
  }
  const dataSource = new DataSource({ type: 'postgres', url: databaseUrl(adminUrl, template), installExtensions: false });
  await dataSource.initialize();
  try {
    await runQueueMigrations(dataSource, DEFAULT_SCHEMA);
  } finally {
    await dataSource.destroy();
  }
  process.env[ENV_ADMIN_URL] = adminUrl;
  process.env[ENV_TEMPLATE] = template;
}
