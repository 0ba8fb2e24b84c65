// @ts-check
// The lint: typescript-eslint's recommended rules, and the layer rules of docs/architecture.md as
// import restrictions, so that an import from a lower layer to a higher one fails `npm test`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Kiln's layers, each with the folders of src/ it must not import from. */
const LAYERS = {
  domain: [
    'api',
    'cli',
    'worker',
    'serving',
    'engine',
    'datasets',
    'queue',
    'store',
    'artifacts',
    'config',
    'lib',
    'generated',
  ],
  lib: ['api', 'cli', 'worker', 'serving', 'engine', 'datasets', 'queue', 'store', 'artifacts', 'config', 'generated'],
  config: ['api', 'cli', 'worker', 'serving', 'engine', 'datasets', 'queue', 'store', 'artifacts', 'generated'],
  artifacts: ['api', 'cli', 'worker', 'serving', 'engine', 'datasets', 'queue', 'store', 'generated'],
  store: ['api', 'cli', 'worker', 'serving', 'engine', 'datasets', 'queue'],
  queue: ['api', 'cli', 'worker', 'serving', 'engine', 'datasets', 'store', 'generated'],
  datasets: ['api', 'cli', 'worker', 'serving', 'engine', 'queue', 'store', 'generated'],
  engine: ['api', 'cli', 'worker', 'serving', 'queue', 'store', 'datasets', 'generated'],
  serving: ['api', 'cli', 'worker', 'queue', 'store', 'generated'],
  api: ['cli', 'worker'],
  worker: ['api', 'cli', 'store', 'generated'],
  cli: ['worker', 'store', 'queue', 'generated', 'artifacts', 'datasets'],
};

/** A no-restricted-imports pattern for each folder a layer must not reach, by the relative path that names it. */
const layerRules = Object.entries(LAYERS).map(([layer, forbidden]) => ({
  files: [`src/${layer}/**/*.ts`],
  rules: {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        patterns: forbidden.map((folder) => ({
          group: [`../${folder}/*`, `../../${folder}/*`, `../../../${folder}/*`, `../../../../${folder}/*`],
          message: `src/${layer} sits below src/${folder} (docs/architecture.md): data flows one way.`,
        })),
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ['node_modules/', 'src/generated/', 'web/dist/', 'bench/results/', 'test-results/', 'scratch/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { process: 'readonly', console: 'readonly' } },
    rules: {
      // TypeScript checks these better than the core rules, which know nothing of types or DOM/Node globals.
      'no-undef': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    // Tests read arbitrary JSON answers (`any` is what they are until asserted), match terminal escapes
    // and wrap stores whose generators need the outer `this`.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      'no-control-regex': 'off',
      '@typescript-eslint/no-this-alias': 'off',
    },
  },
  ...layerRules,
);
