// typescript-eslint's strict type-checked rules over every TypeScript file the
// project compiles; the few plain scripts get ESLint's own recommended rules.
// Bundles and generated files are not ours to lint.
import eslint from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', 'node_modules/**', '.demo/**', 'coverage/**', '.probe/**'] },
  eslint.configs.recommended,
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.strictTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A leading underscore marks a binding kept for its position (a rest
      // destructuring that drops a field, an iteration that only counts).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // Counts, durations and sizes are the numbers our messages carry, and a
      // number renders as the reader expects. Booleans, nullish values and
      // objects stay refused: "undefined" or "[object Object]" in an error is a bug.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // `(x) => log(x)` and `return reply(...)` inside a function that itself
      // returns void use no void value; a void result assigned, passed on or
      // tested is still refused.
      '@typescript-eslint/no-confusing-void-expression': [
        'error',
        { ignoreArrowShorthand: true, ignoreVoidReturningFunctions: true },
      ],
    },
  },
  {
    // Rules turned off for tests and their support code only, each for a reason of
    // the tests' own.
    files: ['test/**/*.ts'],
    rules: {
      // A wrong `!` throws at once and fails the test, which is what an assertion
      // there would do, with the line in the stack.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // `let moto: Moto` is still unassigned in afterAll when beforeAll failed,
      // which its type cannot say; `moto?.stop()` keeps that first failure the one
      // reported.
      '@typescript-eslint/no-unnecessary-condition': 'off',
      // Tests parse the JSON the actions print and assert its shape at once; the
      // expectation is the type check.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Fakes stand in for async interfaces (a clock's sleep, a journal's read)
      // and answer at once.
      '@typescript-eslint/require-await': 'off',
    },
  },
);
