// Lint rules that keep the server's seams (docs/ARCHITECTURE.md): `npm run lint`, run by .ci/run.
import tsParser from '@typescript-eslint/parser';

/** The feature folders of packages/server/src: each is entered from outside only through its face, `index.ts`. */
const FEATURES = ['access', 'agent-downloads', 'alerts', 'audit', 'auth', 'cluster', 'companies', 'disk', 'groups', 'legacy', 'media', 'monitoring-hours', 'presence', 'retention', 'share', 'streaming', 'web'];

const facesOnly = {
  patterns: [
    {
      regex: `^\\.\\.?/(${FEATURES.join('|')})/(?!index\\.js$)`,
      message: "Another feature is used only through its face (its index.ts): import '../<feature>/index.js', and offer what is missing there.",
    },
  ],
};

export default [
  {
    files: ['packages/server/src/**/*.ts'],
    languageOptions: { parser: tsParser },
    rules: { 'no-restricted-imports': ['error', facesOnly] },
  },
  {
    files: ['packages/server/src/**/*.ts'],
    ignores: ['**/*.test.ts', 'packages/server/src/test/**'],
    // Lines of code: a comment that says why never pushes a function over the limit.
    rules: { 'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }] },
  },
];
