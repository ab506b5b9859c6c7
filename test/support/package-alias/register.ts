/** `node --import build-test/test/support/package-alias/register.js app.js`: see hooks.ts. */
import { register } from 'node:module';

register('./hooks.js', import.meta.url);
