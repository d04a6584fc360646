// The directions imports may take between src/'s folders (issue 18's layering):
//   fronts (rest, browser, webdav, shares, uploads), side by side
//     →  the HTTP toolkit (http: problems, validators, ranges, sending files, callers, cookies)
//     →  core (RemoteFs over core/backend.ts)  →  back ends (ftp; memory lives in core)
// with config, state, auth and ops beside them. src/app/ and src/cli.ts wire everything; only
// they (and the demo) pick a back end.
// `npm run lint` runs this in CI with no list of known exceptions: any import against these
// directions fails (test/lint/import-rules.test.ts tries each rule on a small tree).
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
        'The FTP back end knows nothing above it but the contract it implements (core/backend.ts with the core\'s types, errors and login keys): no RemoteFs, no front, no metrics (publish on diagnostics_channel instead).',
      severity: 'error',
      from: { path: '^src/ftp/' },
      to: { path: '^src/(core|http|rest|browser|webdav|shares|uploads|ops|auth|state|demo|app)/', pathNot: '^src/core/(backend|errors|types|login-key)\\.ts$' },
    },
    {
      name: 'core-knows-no-front',
      comment: 'The core knows nothing of HTTP or of any front.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/(http|rest|browser|webdav|shares|uploads|ops|demo|app)/' },
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
      from: { path: '^src/(http|rest|browser|webdav|shares|uploads)/' },
      to: { path: '^src/ftp/' },
    },
    {
      name: 'back-end-picked-by-the-wiring',
      comment:
        'Only the wiring (src/app/, src/cli.ts) and the demo reach into a back end\'s folder; everything else sees core/backend.ts. ' +
        'The one exception is what a back end publishes on node:diagnostics_channel (ftp/diagnostics.ts: channel names and message types, undici\'s pattern), which ops/metrics subscribes to.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(ftp|app|demo)/|^src/cli\\.ts$' },
      to: { path: '^src/ftp/', pathNot: '^src/ftp/diagnostics\\.ts$' },
    },
    {
      name: 'toolkit-knows-no-front',
      comment: 'The HTTP toolkit (src/http) serves every front and knows none of them: fronts declare their surfaces to it.',
      severity: 'error',
      from: { path: '^src/http/' },
      to: { path: '^src/(rest|browser|webdav|shares|uploads|app)/' },
    },
    {
      name: 'only-the-wiring-knows-the-app',
      comment: 'src/app/ wires the fronts together; nothing below imports it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/app/|^src/cli\\.ts$' },
      to: { path: '^src/app/' },
    },
    {
      name: 'fronts-side-by-side',
      comment: 'A front does not reach into another front: what two fronts share belongs in the HTTP toolkit or the core.',
      severity: 'error',
      from: { path: '^src/(rest|browser|webdav|shares|uploads)/' },
      to: { path: '^src/(rest|browser|webdav|shares|uploads)/', pathNot: '^src/$1/' },
    },
    {
      name: 'support-stays-below',
      comment: 'config and state are leaves that every layer may use; they use no layer.',
      severity: 'error',
      from: { path: '^src/(config|state)/' },
      to: { path: '^src/(core|ftp|http|rest|browser|webdav|shares|uploads|ops|auth|demo|app)/' },
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
