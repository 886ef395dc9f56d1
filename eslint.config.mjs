// Lint every TypeScript and JavaScript file of the project (core, CLI, extension host, webviews,
// tests, scripts): the recommended rules of ESLint and typescript-eslint everywhere, and on the .ts
// files typescript-eslint's type-aware recommended rules (recommendedTypeCheckedOnly), each file
// checked with the program of its nearest tsconfig.json (the root one for src/ and test/,
// webview/tsconfig.json for the webviews) through the project service. They catch promises left
// floating or passed where a callback's result is ignored (no-floating-promises,
// no-misused-promises), awaits of non-promises (await-thenable), async functions with nothing to
// await (require-await), casts TypeScript no longer needs (no-unnecessary-type-assertion), `any`
// leaking into typed code (no-unsafe-*, off in tests), objects and unknowns stringified into
// messages (restrict-template-expressions, no-base-to-string), enums compared with bare numbers
// (no-unsafe-enum-comparison). `npm run lint`: about a minute on two cores (the type information
// is most of it).
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
    // Type-aware rules: each .ts file is checked with the program of its nearest tsconfig.json.
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeCheckedOnly],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's test/describe/it return promises that the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }] },
      ],
    },
  },
  {
    // Tests read untyped JSON (JSON.parse of CLI output and files, executeCommand's results) and
    // check it by assertion: `any` flowing through them is the point, not a leak.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
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
