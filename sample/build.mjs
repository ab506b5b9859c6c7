// Builds the library (dist/) and the sample (dist-sample/) for `npm start`
// and `npm run start:worker`, which the README runs side by side. Two
// builds at once must not break each other: they take turns under a lock
// folder, and both compile incrementally, so the second finds everything
// up to date and writes nothing — no file the first process is loading is
// truncated or removed under it. (`npm run build`, for publishing, starts
// from an empty dist/ instead.)
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const lock = 'dist-sample/.build-lock';

function holderAlive() {
  try {
    process.kill(Number(readFileSync(`${lock}/pid`, 'utf8')), 0);
    return true;
  } catch (error) {
    if (error.code === 'EPERM') return true; // alive, as another user
    // No pid yet: its holder is writing it, unless it died doing so long ago.
    if (error.code === 'ENOENT') return Date.now() - statSync(lock, { throwIfNoEntry: false })?.mtimeMs < 10_000;
    return false;
  }
}

async function takeLock() {
  mkdirSync('dist-sample', { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(`${lock}/pid`, String(process.pid));
      return;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    // A build stopped with Ctrl+C or killed leaves its lock behind.
    if (!holderAlive()) rmSync(lock, { recursive: true, force: true });
    else await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function compile(project, outDir) {
  const { status } = spawnSync(process.execPath, [tsc, '-p', project, '--incremental', '--tsBuildInfoFile', `${outDir}/.tsbuildinfo`], {
    stdio: 'inherit',
  });
  if (status !== 0) {
    rmSync(lock, { recursive: true, force: true });
    process.exit(status ?? 1);
  }
}

await takeLock();
compile('tsconfig.build.json', 'dist');
compile('tsconfig.sample.json', 'dist-sample');
rmSync(lock, { recursive: true, force: true });
