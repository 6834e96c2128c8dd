// Lint rules: typescript-eslint's recommended set with type information, plus the layer rules of
// ../shared/notes/architecture.md (phone/ is pure; sip/ and media/ never import each other).
import tseslint from 'typescript-eslint';

const layer = (from, forbidden) => ({
  files: [`src/${from}/**/*.ts`],
  rules: {
    'no-restricted-imports': ['error', {
      patterns: forbidden.map((dir) => ({ group: [`**/${dir}/*`, `../${dir}/*`], message: `src/${from} must not import src/${dir} (see README, architecture)` })),
    }],
  },
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // node:test's test()/describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafeCalls: [{ from: 'package', name: ['test', 'describe', 'it', 'suite'], package: 'node:test' }],
      }],
    },
  },
  layer('phone', ['sip', 'media', 'ui', 'hal', 'api', 'app']),
  layer('sip', ['media', 'ui', 'hal', 'api', 'app', 'phone']),
  layer('media', ['sip', 'ui', 'hal', 'api', 'app', 'phone']),
  layer('config', ['sip', 'media', 'ui', 'hal', 'api', 'app', 'phone']),
  layer('ui', ['sip', 'media', 'app']),
  layer('api', ['sip', 'media', 'app']),
  layer('store', ['sip', 'media', 'ui', 'hal', 'api', 'app']),
  layer('directory', ['sip', 'media', 'ui', 'hal', 'api', 'app']),
  // Drivers may use the phone's Clock (injected timers make debounce and scan tests run in fake time).
  layer('hal', ['sip', 'media', 'ui', 'api', 'app']),
  layer('update', ['sip', 'media', 'ui', 'hal', 'api', 'app', 'phone']),
);
