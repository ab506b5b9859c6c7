/**
 * Entry point of the process that runs a shared embedded server (see
 * EmbeddedServerSupervisor), forked detached by runSupervisor(): it has a
 * process group and session of its own, so a Ctrl+C in the terminal of the
 * application that started it reaches that application only.
 *
 * Argument: `{ "dataDir": …, "port": … }` as JSON. Output: server.log.
 */
import { prepareEmbeddedDatabaseLayout } from './embedded-database-layout.js';
import { EmbeddedServerSupervisor, failedStartReport, type SupervisorReport } from './embedded-server-supervisor.js';

const { dataDir, port } = JSON.parse(process.argv[2]!) as { dataDir: string; port?: number };
const layout = prepareEmbeddedDatabaseLayout(dataDir);
const supervisor = new EmbeddedServerSupervisor(layout, port);
const report = (message: SupervisorReport) =>
  // The starter may have died meanwhile: the report is then nobody's business.
  new Promise<void>((resolve) => (process.connected ? process.send!(message, () => resolve()) : resolve()));

let booted: Awaited<ReturnType<EmbeddedServerSupervisor['boot']>>;
try {
  booted = await supervisor.boot();
} catch (error) {
  await report(failedStartReport(layout, error));
  process.exit(1);
}
await report({ server: booted.server });
if (process.connected) process.disconnect();
if (booted.serving) supervisor.serve();
else process.exit(0);
