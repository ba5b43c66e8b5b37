import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', '.ci/results/**'] },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.ts'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreUsingDeclarations: true }],
      // A task may throw any value (`throw null`), and the pool must reject with exactly that value.
      '@typescript-eslint/prefer-promise-reject-errors': 'off',
    },
  },
  // The folders of a package's src say which side of the pipe code runs on:
  // parent/ (the user's process), child/ (a worker), common/ (both). Neither
  // side imports the other, and common/ imports neither.
  ...Object.entries({
    common: ['parent', 'child'],
    parent: ['child'],
    child: ['parent'],
  }).map(([side, others]) => ({
    files: [`packages/*/src/${side}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: others.map((other) => ({
            group: [`**/${other}/**`],
            message: `src/${side} runs where src/${other} does not: move what both need to src/common.`,
          })),
        },
      ],
    },
  })),
  {
    files: ['test/**/*.ts'],
    rules: {
      // expect(...).rejects and jest.fn() mocks read as unbound or unsafe to the type-aware rules.
      '@typescript-eslint/unbound-method': 'off',
      // Async generators without await are deliberate inputs.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Type tests declare values only to inspect their types.
    files: ['test/types/**/*.ts'],
    rules: { '@typescript-eslint/no-unused-vars': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },
);
