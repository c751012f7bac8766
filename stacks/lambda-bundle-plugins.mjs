/**
 * esbuild plugins for every Lambda bundle: SST loads this file through
 * `nodejs.plugins` (stacks/lambda-bundle.ts), and the benchmark's cold-start
 * measure bundles with the same list. Plain JavaScript, since SST imports it
 * with Node as it is.
 *
 * They cut code a function loads at cold start and never runs:
 *
 * - Literal schema keys. The AWS SDK's generated schemas key their trait
 *   objects by computed names (`{ [_xN]: "Min" }` with `const _xN =
 *   "xmlName"`). esbuild must assume a computed key may run code, so it keeps
 *   every shape of a client: a step that sends EC2 twenty operations carried
 *   all of EC2's shapes, about 550 KB (aws/aws-sdk-js-v3#7607). The plugin
 *   writes those keys as the string literals they stand for, which is the
 *   change the generator's own fix makes (smithy-lang/smithy-typescript#1889);
 *   the shapes a function does not use then drop out of its bundle.
 * - Credentials from the environment. Lambda gives a function its role's
 *   credentials in environment variables, the first place the SDK's default
 *   chain looks. The rest of the chain (SSO, shared files, processes, web
 *   identity, instance metadata, and the STS and SSO clients they bring) is
 *   never reached in Lambda but loaded by every function.
 * - Built-ins read when used. Node makes an ES module of a built-in by
 *   reading every one of its exports. For `node:process`, from which the SDK
 *   imports `env` and `versions`, that opens stdin and loads the diagnostic
 *   report; the global `process` is the same object, so the bundle reads it.
 *   `node:stream/web` and `node:stream/promises` Middy imports only to stream
 *   a response, which no modeshift function does; Middy gets modules that
 *   load them on the first read of one of their exports.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** An SDK client's generated schemas, in the ESM build a bundle uses. */
const SCHEMA_FILE =
  /[\\/]@aws-sdk[\\/](?:client-[^\\/]+|nested-clients)[\\/]dist-es[\\/](?:.*[\\/])?schemas_0\.js$/;

/** `const _xN = "xmlName";`: the generated file's string table. */
const STRING_CONSTANT = /^const (_\w+) = "([^"\\]*)";$/gm;

/** `{ [_xN]: …` or `, [_xN]: …`: a computed key naming one of those constants. */
const COMPUTED_KEY = /([{,]\s*)\[(_\w+)\](\s*:)/g;

/**
 * An esbuild filter that also lets SST's plugin bridge call the plugin. The
 * bridge (.sst/platform/functions/nodejs-runtime/plugin.mjs, SST 4.17) tests
 * each filter against the string "undefined" instead of the path, so a
 * filter that does not match that string is never called in an SST build;
 * the callbacks check the path themselves.
 */
const bridged = (pattern) => new RegExp(`${pattern.source}|^undefined$`);

/** Rewrites the computed keys of a generated schema file as literal keys; anything else is left as it is. */
export function literalSchemaKeys(source) {
  const strings = new Map([...source.matchAll(STRING_CONSTANT)].map(([, name, value]) => [name, value]));
  return source.replace(COMPUTED_KEY, (whole, before, name, colon) =>
    strings.has(name) ? `${before}${JSON.stringify(strings.get(name))}${colon}` : whole,
  );
}

export const literalSchemaKeysPlugin = {
  name: 'modeshift-literal-schema-keys',
  setup(build) {
    build.onLoad({ filter: bridged(SCHEMA_FILE) }, async (args) =>
      SCHEMA_FILE.test(args.path)
        ? { contents: literalSchemaKeys(await readFile(args.path, 'utf8')), loader: 'js' }
        : undefined,
    );
  },
};

const DEFAULT_CREDENTIALS = /^@aws-sdk\/credential-provider-node$/;

export const ENV_CREDENTIALS_MODULE = fileURLToPath(new URL('./lambda-env-credentials.mjs', import.meta.url));

export const envCredentialsPlugin = {
  name: 'modeshift-env-credentials',
  setup(build) {
    build.onResolve({ filter: bridged(DEFAULT_CREDENTIALS) }, (args) =>
      DEFAULT_CREDENTIALS.test(args.path) ? { path: ENV_CREDENTIALS_MODULE } : undefined,
    );
  },
};

/** What {@link builtInsOnUsePlugin} stands in for: `process` for every importer, the streaming built-ins for Middy. */
const PROCESS = /^(?:node:)?process$/;
const STREAMING = /^node:stream\/(?:web|promises)$/;
const MIDDY = /[\\/]@middy[\\/]core[\\/]/;
const BUILT_IN_NAMESPACE = 'modeshift-built-in';

/**
 * The source of a CommonJS module standing in for the built-in `name`: an
 * export for each of the built-in's, read from it, loaded then, on first use.
 */
export async function builtInOnUse(name) {
  const exported = Object.keys(await import(name)).filter((key) => key !== 'default');
  return [
    'let builtIn;',
    `const load = () => (builtIn ??= require(${JSON.stringify(name)}));`,
    'module.exports = Object.defineProperties({}, {',
    ...exported.map(
      (key) => `  ${JSON.stringify(key)}: { enumerable: true, get: () => load()[${JSON.stringify(key)}] },`,
    ),
    '});',
  ].join('\n');
}

export const builtInsOnUsePlugin = {
  name: 'modeshift-built-ins-on-use',
  setup(build) {
    build.onResolve({ filter: bridged(new RegExp(`${PROCESS.source}|${STREAMING.source}`)) }, (args) =>
      PROCESS.test(args.path) || (STREAMING.test(args.path) && MIDDY.test(args.importer ?? ''))
        ? { path: args.path, namespace: BUILT_IN_NAMESPACE }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: BUILT_IN_NAMESPACE }, async (args) => {
      // SST's bridge calls every onLoad whatever its namespace.
      if (args.namespace !== BUILT_IN_NAMESPACE) return undefined;
      const contents = PROCESS.test(args.path) ? 'module.exports = process;' : await builtInOnUse(args.path);
      return { contents, loader: 'js' };
    });
  },
};

export default [literalSchemaKeysPlugin, envCredentialsPlugin, builtInsOnUsePlugin];
