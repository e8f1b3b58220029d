// @ts-check
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      '.data/',
      'proto/gen/',
      'gateway/src/generated/',
      'test-artifacts/',
      'web/dist/',
      'web/src/graphql/',
    ],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['eslint.config.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'error',
      // In-process implementations of async interfaces (caches, buses) have nothing to await.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['eslint.config.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  // The rooms of the code (docs/architecture.md): lib/ is shared by every process and imports
  // none of them, nor test code; a service imports no other service and not the gateway; the
  // gateway imports no service's code (it talks to them over gRPC, through proto/gen). Tests and
  // scripts may import anything. Each entry names path segments an import may not go through.
  ...boundaries({
    'lib/**/*.ts': ['services', 'gateway', 'scripts', 'test', 'web'],
    'services/auth/src/**/*.ts': ['chat/src', 'profiles/src', 'gateway', 'test'],
    'services/chat/src/**/*.ts': ['auth/src', 'profiles/src', 'gateway', 'test'],
    'services/profiles/src/**/*.ts': ['auth/src', 'chat/src', 'gateway', 'test'],
    'gateway/src/**/*.ts': ['services', 'test'],
  }),
);

/** One no-restricted-imports rule per folder: the path segments its imports may not go through. */
function boundaries(rules) {
  return Object.entries(rules).map(([files, forbidden]) => ({
    files: [files],
    ignores: ['lib/test/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: forbidden.map((segments) => ({
            regex: `(^|/)${segments.replace('/', '\\/')}(/|$)`,
            message: `${files.split('/**')[0]} must not import ${segments}/: see the import rules in eslint.config.js`,
          })),
        },
      ],
    },
  }));
}
