// graphile-worker with its defaults (concurrency 10): one job fetched per
// worker slot per round trip, one completion per job.
import { graphileSystem } from './_graphile.js';

export default graphileSystem({ id: 'graphile-default', label: 'graphile-worker (default)', fast: false });
