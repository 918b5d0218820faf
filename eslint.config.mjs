// ESLint over the TypeScript sources; formatting is Prettier's (`npm run lint` runs both checks).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.data/', 'coverage/', 'bin/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      // GraphQL resolvers and test helpers pass untyped JSON around on purpose.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // type-graphql's decorators take `Function` for class references.
      '@typescript-eslint/no-unsafe-function-type': 'off',
      // Input validation matches control characters on purpose (NUL, C0/C1, ANSI escapes).
      'no-control-regex': 'off',
    },
  },
  {
    // The scripts the browser runs (the pages behind the email links, the playground): plain scripts, no modules.
    files: ['src/**/assets/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: {
        window: 'readonly',
        document: 'readonly',
        fetch: 'readonly',
        URLSearchParams: 'readonly',
        React: 'readonly',
        ReactDOM: 'readonly',
        GraphiQL: 'readonly',
      },
    },
  },
  prettier,
);
