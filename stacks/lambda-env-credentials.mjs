/**
 * What a Lambda bundle gets for `@aws-sdk/credential-provider-node`
 * (stacks/lambda-bundle-plugins.mjs): the SDK's default credential chain cut
 * to its first link, the environment variables Lambda sets from the
 * function's role. `sst dev` hands its local workers the deployed function's
 * environment, those credentials included. Outside Lambda (the CLI, the local
 * engine, the tests) the code runs unbundled, with the whole chain.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = (init = {}) => fromEnv(init);
