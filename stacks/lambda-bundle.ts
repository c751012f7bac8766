/**
 * How SST bundles every Lambda function of the app (`nodejs` of each
 * function): esbuild, as always, with the plugins of lambda-bundle-plugins.mjs,
 * which leave out SDK code a function loads at cold start and never runs.
 * The path is relative to sst.config.ts.
 */
export const LAMBDA_BUNDLE = { plugins: 'stacks/lambda-bundle-plugins.mjs' } as const;
