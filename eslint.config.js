// Lint keeps the package boundaries honest: shared/ stays pure (runs in node and the browser),
// and web/ and server/ never import each other — they meet only through @trainboard/shared.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const nodeAndInfra = ['node:*', 'fs', 'path', 'os', 'child_process', 'net', 'crypto', 'stream', 'http', 'https'];

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/test-output/**', '**/.turbo/**', 'server/src/db/migrations/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // One idea per function: past ~80 lines a function does several things, and named pieces read and test better.
    // Test files are exempt: a describe block is a list of cases, long by nature.
    files: ['**/*.{ts,tsx}'],
    ignores: ['**/*.test.ts', '**/*.test.tsx', '**/testing/**', 'tests/**'],
    rules: {
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true, IIFEs: true }],
    },
  },
  {
    // Plain JavaScript entry points and scripts run on node.
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['shared/src/**/*.ts'],
    // Tests, and the test helpers that read files on node (testing/*.node.ts), are not the shipped pure code.
    ignores: ['shared/src/**/*.test.ts', 'shared/src/testing/**/*.node.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            'express',
            'socket.io',
            'react',
            'react-dom',
            'better-sqlite3',
            'drizzle-orm',
            'ssh2',
            'pino',
            ...nodeAndInfra,
          ]
            .filter((p) => !p.includes('*'))
            .map((name) => ({ name, message: 'shared/ is pure: no node, express, react or database imports.' })),
          patterns: [
            {
              group: [
                'node:*',
                'drizzle-orm/*',
                'react-dom/*',
                'socket.io*',
                '@trainboard/server*',
                '@trainboard/web*',
              ],
              message: 'shared/ is pure: no node, express, react, database or app-package imports.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['web/src/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@trainboard/server*', '**/server/src/**', 'node:*', 'better-sqlite3', 'drizzle-orm*', 'ssh2'],
              message: 'web/ talks to the server over HTTP/socket.io only; shared types come from @trainboard/shared.',
            },
          ],
        },
      ],
    },
  },
  {
    // Test helpers (fakes, builders, captured I/O) live in a testing/ folder per package and never ship: only tests,
    // other test helpers and the benchmarks import them.
    files: ['server/src/**/*.ts', 'shared/src/**/*.ts', 'web/src/**/*.{ts,tsx}'],
    ignores: ['**/*.test.ts', '**/*.test.tsx', '**/testing/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '(^|/)testing/', message: 'testing/ holds test helpers: production code must not import them.' },
          ],
        },
      ],
    },
  },
  {
    files: ['server/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@trainboard/web*', '**/web/src/**', 'react', 'react-dom'],
              message: 'server/ must not import web/.',
            },
          ],
        },
      ],
    },
  },
);
