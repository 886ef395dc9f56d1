// Lint every TypeScript file of the project (core, CLI, extension host, webviews, tests, scripts):
// the recommended rules of ESLint and typescript-eslint, without type information (fast enough
// to run before every `npm test`). `npm run lint`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '.vscode-test/**', 'test-results/**', 'noether-report/**', 'bench/build/**', 'docs/figures/report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mjs', '**/*.js'],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Unused names are errors, except the deliberately ignored (_x) and rest siblings.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // Generated kernels are compiled with new Function from graph nodes only; each use says why.
      'no-new-func': 'error',
      'no-duplicate-imports': 'error',
    },
  },
  {
    // TypeScript resolves names itself (and knows the DOM and Node types per tsconfig).
    files: ['**/*.ts'],
    rules: { 'no-undef': 'off' },
  },
  {
    // Integration and end-to-end tests read untyped JSON from executeCommand and the extension's API.
    files: ['test/integration/**/*.ts', 'test/e2e/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Node scripts (ES modules); the browser tests also run callbacks inside the page.
    files: ['**/*.mjs'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['test/browser/**/*.mjs', 'scripts/experiment-figures.mjs'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  {
    // CommonJS scripts and the CLI entry.
    files: ['**/*.js', '**/*.cjs', 'bin/**'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
