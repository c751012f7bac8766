/**
 * Config values: the settings a service reads at task start from a
 * SecureString under its environment's Parameter Store path
 * (`/modeshift/<project>/<environment>/<NAME>`, core/app-wiring.ts). A person
 * sets them with `modeshift config set NAME`; their values never pass through
 * a request, an event or an execution input.
 *
 * What a name and a value must be, where a value is stored, and the problem
 * that refuses a deploy needing a value that is not set. The Parameter Store
 * calls are in functions/aws/ssm/config-values.ts.
 */
import { configNamesOf, wireService } from './app-wiring.ts';
import { ENVIRONMENT_VARIABLE_NAME, notAnEnvironmentVariableName } from './environment-variable-name.ts';
import { InputError, type Problem } from './errors.ts';
import { environmentNames } from './names.ts';
import type { DeployRequest } from './request.ts';

/** The most a config value holds: Parameter Store's limit for a standard parameter, 4 KiB. */
export const CONFIG_VALUE_MAX_BYTES = 4096;

/** A config name or value modeshift refuses to store; the problem names the field. */
export class ConfigValueError extends InputError {
  override name = 'ConfigValueError';
}

/** A deploy refused before it changes anything: config values it needs are not set, one problem per name. */
export class MissingConfigValuesError extends InputError {
  override name = 'MissingConfigValuesError';
}

/** The project and environment whose config values are meant. */
export interface ConfigScope {
  readonly project: string;
  readonly environment: string;
}

/** The Parameter Store path of the environment's config values, without its final `/`: `/modeshift/shop/pr-42`. */
export function configPath(scope: ConfigScope): string {
  return environmentNames(scope.project, scope.environment).secretsPath.replace(/\/$/, '');
}

/** The parameter that holds one config value: `/modeshift/shop/pr-42/API_KEY`. */
export function configParameterName(scope: ConfigScope, name: string): string {
  return `${environmentNames(scope.project, scope.environment).secretsPath}${name}`;
}

/** The config name of a parameter directly under the environment's path; undefined for any other. */
export function configNameOf(scope: ConfigScope, parameterName: string): string | undefined {
  const prefix = environmentNames(scope.project, scope.environment).secretsPath;
  if (!parameterName.startsWith(prefix)) return undefined;
  const name = parameterName.slice(prefix.length);
  return name === '' || name.includes('/') ? undefined : name;
}

/** Refuses a name that is not an environment variable name: a config value is read into one. */
export function checkConfigName(name: string): void {
  if (!ENVIRONMENT_VARIABLE_NAME.test(name)) {
    throw new ConfigValueError([{ path: 'NAME', message: notAnEnvironmentVariableName(name) }]);
  }
}

/** Refuses an empty value, and one larger than a standard parameter holds. */
export function checkConfigValue(value: string): void {
  if (value === '') throw new ConfigValueError([{ path: 'value', message: 'must not be empty' }]);
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > CONFIG_VALUE_MAX_BYTES) {
    throw new ConfigValueError([
      {
        path: 'value',
        message: `is ${bytes} bytes, more than the ${CONFIG_VALUE_MAX_BYTES} a standard Parameter Store parameter holds`,
      },
    ]);
  }
}

/**
 * The config values the request's services need, each with the services that
 * need it: `configNamesOf(wireService(service, databases))` and the build args
 * read from config values (`build.configArgs`) over the services, in the order
 * they first appear.
 */
export function neededConfigValues(
  request: Pick<DeployRequest, 'services' | 'databases'>,
): Map<string, string[]> {
  const needed = new Map<string, string[]>();
  for (const service of request.services) {
    const names = [
      ...configNamesOf(wireService(service, request.databases)),
      ...(service.build?.configArgs ?? []),
    ];
    for (const name of names) {
      const services = needed.get(name) ?? [];
      if (!services.includes(service.name)) services.push(service.name);
      needed.set(name, services);
    }
  }
  return needed;
}

/** The command that sets a config value for the environment. */
export function configSetCommand(scope: ConfigScope, name: string): string {
  return `modeshift config set ${name} --env ${scope.environment} --project ${scope.project}`;
}

/**
 * The problem of a needed config value that is not set, at the first service
 * that needs it: `services.api.environment.API_KEY`, or
 * `services.web.build.args.NPM_TOKEN` when `key` says the service reads it
 * as a build arg.
 */
export function missingConfigProblem(
  scope: ConfigScope,
  name: string,
  services: readonly string[],
  key: 'environment' | 'build.args' = 'environment',
): Problem {
  const [first = '', ...others] = services;
  const alsoNeeded = others.length > 0 ? ` (also needed by ${others.join(', ')})` : '';
  return {
    path: `services.${first}.${key}.${name}`,
    message: `config value ${name} is not set${alsoNeeded}: ${configSetCommand(scope, name)}`,
  };
}
