// The dependency arrows of ARCHITECTURE.md ("The parts and what each owns"), checked by
// `npm run lint`. Each rule names the arrow it enforces; a new arrow is a change to both files.
// The internal/ rule (Go's: a folder's internal/ is private to it and its subfolders) needs a
// back-reference from the target to the importer's ancestors, which a safe regular expression
// cannot express: scripts/lint.mjs checks it on this cruise's output.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Arrows point one way: no import circle, inside a package or across packages.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-relative-into-package-src',
      severity: 'error',
      comment: 'Outside a package, import it by name (its public entry point), never by a relative path into its src/.',
      from: { pathNot: '^packages/' },
      to: { path: '^packages/[^/]+/src/', dependencyTypes: ['local'], dependencyTypesNot: ['aliased', 'undetermined'] },
    },
    {
      name: 'no-cross-package-relative',
      severity: 'error',
      comment: 'A package reaches another package by name only (the exports map), never by a relative path.',
      from: { path: '^packages/([^/]+)/' },
      to: {
        path: '^packages/',
        pathNot: '^packages/$1/',
        dependencyTypes: ['local'],
        dependencyTypesNot: ['aliased', 'undetermined'],
      },
    },
    {
      name: 'core-jose-imports-errors-only',
      severity: 'error',
      comment: 'core/jose may import core/errors only.',
      from: { path: '^packages/core/src/jose/' },
      to: { path: '^packages/core/src/', pathNot: '^packages/core/src/(jose|errors)/' },
    },
    {
      name: 'core-config-imports-errors-only',
      severity: 'error',
      comment: 'core/config may import core/errors only.',
      from: { path: '^packages/core/src/config/' },
      to: { path: '^packages/core/src/', pathNot: '^packages/core/src/(config|errors)/' },
    },
    {
      name: 'core-policy-imports-jose-errors',
      severity: 'error',
      comment: 'core/policy may import core/jose and core/errors only (not core/http, not the middleware).',
      from: { path: '^packages/core/src/policy/' },
      to: { path: '^packages/core/src/', pathNot: '^packages/core/src/(policy|jose|errors)/' },
    },
    {
      name: 'core-http-imports-errors-policy-request-and-jose-types',
      severity: 'error',
      comment:
        'core/http may import core/errors, the policy request type and namespace rule (to build a policy request), and types only from core/jose.',
      from: { path: '^packages/core/src/http/' },
      to: {
        path: '^packages/core/src/',
        pathNot: '^packages/core/src/(http|errors)/|^packages/core/src/policy/(namespace-of|types)[.]ts$',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'core-needs-no-server-package',
      severity: 'error',
      comment: 'core is all a microservice needs: it never imports the token service, the gateway or the CLI.',
      from: { path: '^packages/core/' },
      to: { path: '^packages/(token-service|gateway|cli)/' },
    },
    {
      name: 'gateway-never-imports-token-service',
      severity: 'error',
      comment: 'The gateway reaches the token service over HTTP only, so the two scale and fail independently.',
      from: { path: '^packages/gateway/' },
      to: { path: '^packages/(token-service|cli)/' },
    },
    {
      name: 'token-service-imports-core-only',
      severity: 'error',
      comment: 'The token service imports @tessera/core and nothing else of Tessera.',
      from: { path: '^packages/token-service/' },
      to: { path: '^packages/(gateway|cli)/' },
    },
    {
      name: 'console-talks-http-only',
      severity: 'error',
      comment:
        'The console reaches the token service over HTTP only (the admin API); it may import types of the packages, never their code (its tests may use them to check what it writes).',
      from: { path: '^apps/console/', pathNot: '\\.test\\.tsx?$' },
      to: { path: '^packages/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'packages-never-import-the-console',
      severity: 'error',
      comment: 'The token service serves the console as built files; no package imports its sources.',
      from: { path: '^packages/' },
      to: { path: '^apps/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|\\.tessera)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      conditionNames: ['tessera-source', 'import', 'node', 'default'],
      exportsFields: ['exports'],
    },
    combinedDependencies: false,
    reporterOptions: { text: { highlightFocused: true } },
  },
};
