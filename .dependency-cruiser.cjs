// The directions imports may take between src/'s folders (issue 18's layering):
//   fronts (http, webdav, shares, uploads)  →  core  →  back ends (ftp)
// with config, state, auth and ops beside them. src/cli.ts (and demo/) wire everything.
// `npm run lint` runs this with --ignore-known: .dependency-cruiser-known-violations.json lists the
// violations that existed when the rules were written, each to be removed by the back-end seam
// (issue 18); anything new fails CI. Regenerate the list only when removing entries from it.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'basic-ftp-only-in-ftp',
      comment: 'basic-ftp is the FTP back end\'s library: nothing else speaks FTP.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/ftp/' },
      to: { path: 'node_modules/basic-ftp/' },
    },
    {
      name: 'back-end-looks-down-only',
      comment:
        'The FTP back end knows nothing above it but the contract it implements (core/backend.ts with the core\'s types and errors): no RemoteFs, no front, no metrics (publish on diagnostics_channel instead).',
      severity: 'error',
      from: { path: '^src/ftp/' },
      to: { path: '^src/(core|http|webdav|shares|uploads|ops|auth|state|demo)/', pathNot: '^src/core/(backend|errors|types)\\.ts$' },
    },
    {
      name: 'core-knows-no-front',
      comment: 'The core knows nothing of HTTP or of any front.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/(http|webdav|shares|uploads|ops|demo)/' },
    },
    {
      name: 'core-knows-no-back-end',
      comment: 'The core talks to a back end through core/backend.ts; only the wiring picks FTP.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/ftp/' },
    },
    {
      name: 'fronts-use-the-core',
      comment: 'Fronts reach files through the core, never through a back end.',
      severity: 'error',
      from: { path: '^src/(http|webdav|shares|uploads)/' },
      to: { path: '^src/ftp/' },
    },
    {
      name: 'fronts-side-by-side',
      comment: 'A front does not reach into another front\'s routes or pages.',
      severity: 'error',
      from: { path: '^src/(webdav|shares|uploads)/' },
      to: { path: '^src/http/(routes|browser)/' },
    },
    {
      name: 'support-stays-below',
      comment: 'config and state are leaves that every layer may use; they use no layer.',
      severity: 'error',
      from: { path: '^src/(config|state)/' },
      to: { path: '^src/(core|ftp|http|webdav|shares|uploads|ops|auth|demo)/' },
    },
    {
      name: 'core-below-auth',
      comment: 'auth (accounts, policy) builds on the core\'s types; the core takes access decisions as values, so the two never import each other.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/auth/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-dev-dep',
      comment: 'The running gateway imports no dev dependency (the production image installs none).',
      severity: 'error',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
