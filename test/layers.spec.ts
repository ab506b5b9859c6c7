/**
 * Layers of `lib/` point down only (issue 8): a layer imports from layers
 * below it or from its own folder, never from above, so that the worker can
 * be understood without the module, the queue without the worker, and so on.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** From the top. Folders on one line are one layer and may import each other. */
const LAYERS: readonly (readonly string[])[] = [
  ['index.ts'],
  ['queued-tasks.module.ts', 'queued-tasks.module-definition.ts', 'lifecycle'],
  ['worker', 'maintenance'],
  ['queue', 'queues'],
  ['events'],
  ['notifications'],
  ['persistence', 'embedded-database'],
  ['discovery', 'config'],
  ['decorators', 'context', 'interfaces', 'errors', 'queued-tasks.constants.ts'],
];

const LIB = resolve('lib');

function layerOf(file: string): number {
  const top = relative(LIB, file).split('/')[0]!;
  const layer = LAYERS.findIndex((names) => names.includes(top));
  if (layer < 0) throw new Error(`lib/${top} is in no layer: add it to LAYERS in test/layers.spec.ts`);
  return layer;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

describe('layers of lib/', () => {
  it('import downward only', () => {
    const upward: string[] = [];
    for (const file of sourceFiles(LIB)) {
      const imports = [...readFileSync(file, 'utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g)].map((match) => match[1]!);
      for (const target of imports) {
        const resolved = resolve(dirname(file), target).replace(/\.js$/, '.ts');
        if (!resolved.startsWith(LIB)) continue;
        if (layerOf(resolved) < layerOf(file)) upward.push(`${relative(LIB, file)} -> ${relative(LIB, resolved)}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('keep the internal worker out of the public API', () => {
    const index = readFileSync(join(LIB, 'index.ts'), 'utf8');
    expect(index).not.toMatch(/\bTaskWorker\b/);
    expect(index).toMatch(/\bWorkerStatus\b/);
  });

  it('keep the library and its tests off the sample', () => {
    const offenders = [...sourceFiles(LIB), ...sourceFiles(resolve('test'))].filter(
      (file) => !file.endsWith('sample-app.spec.ts') && /from '(\.\.\/)+sample\//.test(readFileSync(file, 'utf8')),
    );
    expect(offenders.map((file) => relative(process.cwd(), file))).toEqual([]);
  });
});
