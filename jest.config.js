/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // The sample imports the package by name, as an application would.
    '^nestjs-queued-tasks$': '<rootDir>/lib/index.ts',
  },
  transform: {
    // Types are checked by `tsc` before Jest runs; here we only transpile.
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  // Compiled by the `tsc` step of `npm test`, so it can run the migrations.
  globalSetup: '<rootDir>/build-test/test/setup/global-setup.js',
  globalTeardown: '<rootDir>/build-test/test/setup/global-teardown.js',
  testTimeout: 60_000,
  maxWorkers: 2,
};
