/**
 * Config values in Parameter Store (core/config-values.ts): set, listed,
 * removed, and the ones a deploy needs that are not set. Values are written
 * as SecureStrings and never read back: listing and checking ask for no
 * decryption.
 */
import {
  DeleteParameterCommand,
  GetParametersCommand,
  PutParameterCommand,
  paginateGetParametersByPath,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import {
  type ConfigScope,
  configNameOf,
  configParameterName,
  configPath,
  missingConfigProblem,
  neededConfigValues,
} from '../../../core/config-values.ts';
import type { Problem } from '../../../core/errors.ts';
import type { DeployRequest } from '../../../core/request.ts';
import { ENVIRONMENT_TAG, PROJECT_TAG } from '../environment-tags.ts';
import { hasAwsErrorName } from '../errors.ts';

/** How many names one GetParameters call takes. */
export const GET_PARAMETERS_MAX_NAMES = 10;

/** A stored config value, as `config ls` shows it: never its value. */
export interface ConfigEntry {
  readonly name: string;
  /** ISO 8601. */
  readonly lastModified: string;
}

export interface PutConfigResult {
  /** true when the parameter did not exist and was created (with the environment's tags). */
  readonly created: boolean;
  readonly version: number;
}

/**
 * Stores a config value as a SecureString. A new parameter is created with
 * the environment's tags; an existing one is overwritten (Parameter Store
 * takes no tags together with Overwrite, and keeps the tags it has).
 */
export async function putConfigValue(
  ssm: SSMClient,
  scope: ConfigScope,
  name: string,
  value: string,
): Promise<PutConfigResult> {
  const Name = configParameterName(scope, name);
  try {
    const created = await ssm.send(
      new PutParameterCommand({
        Name,
        Value: value,
        Type: 'SecureString',
        Overwrite: false,
        Tags: [
          { Key: PROJECT_TAG, Value: scope.project },
          { Key: ENVIRONMENT_TAG, Value: scope.environment },
        ],
      }),
    );
    return { created: true, version: created.Version ?? 1 };
  } catch (error) {
    if (!hasAwsErrorName(error, 'ParameterAlreadyExists')) throw error;
  }
  const updated = await ssm.send(
    new PutParameterCommand({ Name, Value: value, Type: 'SecureString', Overwrite: true }),
  );
  return { created: false, version: updated.Version ?? 0 };
}

/** The environment's config values, by name: one level under its path, values not decrypted. */
export async function listConfigValues(ssm: SSMClient, scope: ConfigScope): Promise<ConfigEntry[]> {
  const entries: ConfigEntry[] = [];
  const pages = paginateGetParametersByPath(
    { client: ssm },
    { Path: configPath(scope), Recursive: false, WithDecryption: false },
  );
  for await (const page of pages) {
    for (const parameter of page.Parameters ?? []) {
      const name = parameter.Name === undefined ? undefined : configNameOf(scope, parameter.Name);
      if (name === undefined) continue;
      entries.push({ name, lastModified: parameter.LastModifiedDate?.toISOString() ?? '' });
    }
  }
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Deletes a config value; false when it was not set. */
export async function deleteConfigValue(ssm: SSMClient, scope: ConfigScope, name: string): Promise<boolean> {
  try {
    await ssm.send(new DeleteParameterCommand({ Name: configParameterName(scope, name) }));
    return true;
  } catch (error) {
    if (hasAwsErrorName(error, 'ParameterNotFound')) return false;
    throw error;
  }
}

/**
 * The config values the request's services need that are not set, one
 * problem per name (core/config-values.ts `missingConfigProblem`). Asks
 * GetParameters in batches of ten, without decryption; a name it reports
 * invalid, or does not return, is missing. No call when nothing is needed.
 */
export async function missingConfigValues(
  request: Pick<DeployRequest, 'project' | 'environment' | 'services' | 'databases'>,
  ssm: SSMClient,
): Promise<Problem[]> {
  const needed = neededConfigValues(request);
  const names = [...needed.keys()];
  const found = new Set<string>();
  for (let start = 0; start < names.length; start += GET_PARAMETERS_MAX_NAMES) {
    const batch = names.slice(start, start + GET_PARAMETERS_MAX_NAMES);
    const { Parameters = [], InvalidParameters = [] } = await ssm.send(
      new GetParametersCommand({
        Names: batch.map((name) => configParameterName(request, name)),
        WithDecryption: false,
      }),
    );
    const invalid = new Set(InvalidParameters);
    for (const parameter of Parameters) {
      if (parameter.Name !== undefined && !invalid.has(parameter.Name)) found.add(parameter.Name);
    }
  }
  return names
    .filter((name) => !found.has(configParameterName(request, name)))
    .map((name) => {
      const services = needed.get(name) ?? [];
      const first = request.services.find((service) => service.name === services[0]);
      const asBuildArg = first?.build?.configArgs?.includes(name) === true && !first.secrets.includes(name);
      return missingConfigProblem(request, name, services, asBuildArg ? 'build.args' : 'environment');
    });
}
