/**
 * Module resolution hooks (node:module `register`) that resolve
 * `nestjs-queued-tasks` to the library compiled in build-test/, as Jest's
 * moduleNameMapper does in-process: a compiled sample then runs against
 * this checkout's code without `npm run build` (Node would otherwise
 * resolve the package's own name to dist/).
 */
import type { ResolveHook } from 'node:module';

const LIBRARY = new URL('../../../lib/index.js', import.meta.url).href;

export const resolve: ResolveHook = (specifier, context, nextResolve) =>
  nextResolve(specifier === 'nestjs-queued-tasks' ? LIBRARY : specifier, context);
