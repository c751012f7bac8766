/**
 * How SST bundles every Lambda function of the app (`nodejs` of each
 * function): esbuild, as always, with the plugins of lambda-bundle-plugins.mjs,
 * which leave out SDK code a function loads at cold start and never runs.
 * The path is relative to sst.config.ts.
 *
 * Split, so that what a function imports on demand is a chunk of its own,
 * loaded only when that code runs. In one file esbuild must inline every
 * `import()`, and it then wraps the module imported that way and everything
 * that module imports in lazy initialisers: the SDK's HTTP protocols import
 * event streams on demand, so nearly all of the SDK in every function was
 * parsed twice at cold start (once when the file loads, again when its
 * initialiser runs) and the event-stream code, which no function uses, was
 * parsed too. SST names the entry `bundle.mjs` and the chunks beside it.
 */
export const LAMBDA_BUNDLE = { plugins: 'stacks/lambda-bundle-plugins.mjs', splitting: true } as const;
