/**
 * What a Lambda bundle gets for `@aws-sdk/credential-provider-node`
 * (stacks/lambda-bundle-plugins.mjs): the SDK's default credential chain cut
 * to its first link, the environment variables Lambda sets from the
 * function's role. Outside Lambda the code runs unbundled, with the whole
 * chain.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = (init = {}) => fromEnv(init);
