/**
 * Where a command that touches AWS acts, decided once and said first:
 * - `--endpoint local`: the embedded local AWS, started for this command;
 * - `--endpoint URL`: the AWS API at that URL (a local AWS someone runs);
 * - no `--endpoint`: modeshift deployed in an account (.sst/outputs.json or
 *   MODESHIFT_* variables), reached with the SDK's own credential chain and
 *   named by `sts:GetCallerIdentity`.
 * With none of them the command stops and says how to get one: it never
 * picks a target on its own.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { InputError } from '../core/errors.ts';
import { type ClientFactory, createClientFactory } from '../engine/clients.ts';
import { type EnvironmentRecord, readEnvironment } from '../local/records.ts';
import { openTarget, type Target } from '../local/target.ts';
import { type DeployedApp, findDeployedApp } from './deployed-app.ts';
import type { Io } from './io.ts';

/** No `--endpoint` and no deployed modeshift: what to do instead (exit 2, nothing touched). */
export class NoTargetError extends InputError {
  override name = 'NoTargetError';
  constructor() {
    super([
      {
        path: '--endpoint',
        message:
          'no target: modeshift is not deployed here (no .sst/outputs.json, no MODESHIFT_* variables). ' +
          'Deploy modeshift into your AWS account with `npx sst deploy --stage production`, ' +
          'or pass --endpoint local to use the embedded local AWS for this one command (what it creates is gone when the command ends), ' +
          'or --endpoint URL for a local AWS you keep running (`modeshift emulator` prints one)',
      },
    ]);
  }
}

/** Where a command acts: an endpoint, or the account modeshift is deployed in. */
export type TargetChoice =
  | { readonly kind: 'endpoint'; readonly endpoint: string }
  | { readonly kind: 'account'; readonly app: DeployedApp };

/** The target the options name, without touching AWS; a {@link NoTargetError} when there is none. */
export function chooseTarget(endpoint: string | undefined, io: Io): TargetChoice {
  if (endpoint !== undefined) return { kind: 'endpoint', endpoint };
  const app = findDeployedApp(io.cwd, io.env);
  if (app) return { kind: 'account', app };
  throw new NoTargetError();
}

/** The account, region and stage modeshift is deployed in, as the SDK's credential chain sees them. */
export interface AccountIdentity {
  readonly account: string;
  readonly region: string;
  /** Who the credentials are (a user or an assumed role). */
  readonly arn: string;
  readonly stage?: string;
}

export async function accountIdentity(app: DeployedApp, sts = new STSClient({})): Promise<AccountIdentity> {
  let region: string;
  try {
    region = await sts.config.region();
  } catch (error) {
    throw new InputError(
      [
        {
          path: 'AWS_REGION',
          message: `is not set, and no profile names a region: ${(error as Error).message}`,
        },
      ],
      { cause: error },
    );
  }
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    return {
      account: identity.Account ?? 'unknown',
      arn: identity.Arn ?? 'unknown',
      region,
      ...(app.stage !== undefined ? { stage: app.stage } : {}),
    };
  } catch (error) {
    throw new InputError(
      [
        {
          path: 'AWS credentials',
          message: `the SDK's credential chain gave none that AWS accepts (sts:GetCallerIdentity: ${(error as Error).message}); set AWS_PROFILE or run aws sso login`,
        },
      ],
      { cause: error },
    );
  }
}

/** The one line a command prints first: where it acts. */
export function describeAccount(identity: AccountIdentity): string {
  return `target: AWS account ${identity.account}, region ${identity.region}, modeshift stage ${identity.stage ?? '(unknown: set MODESHIFT_STAGE)'} (as ${identity.arn})`;
}

export function describeEndpoint(target: Pick<Target, 'endpoint' | 'embedded'>): string {
  return target.embedded
    ? `target: the embedded local AWS at ${target.endpoint} (started for this command; what it holds is gone when the command ends)`
    : `target: the AWS API at ${target.endpoint}`;
}

/** An opened target for the commands that read what modeshift deployed (status, ps, logs, ls). */
export interface ReadTarget {
  /** The line naming it, as printed. */
  readonly description: string;
  readonly clients: ClientFactory;
  /** The environments table. */
  readonly tableName: string;
  /** Where the records were read, for messages: the endpoint, or the table in the account. */
  readonly where: string;
  /** true for a local emulator (moto), whose ECS reports made-up task counts (emulator/local-aws.ts). */
  readonly emulator: boolean;
  /** The account and region it acts in. */
  readonly accountId: string;
  readonly region: string;
  /** The Resource Groups Tagging API there, which the client factory does not make (the workflows never call it). */
  tagging(): ResourceGroupsTaggingAPIClient;
  close(): Promise<void>;
}

/**
 * Opens the target the options name and prints its line to standard error
 * first (standard output stays for the command's result, `--json` included).
 */
export async function openReadTarget(endpoint: string | undefined, io: Io): Promise<ReadTarget> {
  const choice = chooseTarget(endpoint, io);
  const say = (line: string) => io.stderr(`${line}\n`);
  if (choice.kind === 'account') {
    const identity = await accountIdentity(choice.app);
    const description = describeAccount(identity);
    say(description);
    return {
      description,
      clients: createClientFactory(),
      tableName: choice.app.tableName,
      where: `table ${choice.app.tableName}`,
      emulator: false,
      accountId: identity.account,
      region: identity.region,
      tagging: () => new ResourceGroupsTaggingAPIClient({}),
      close: async () => {},
    };
  }
  const target = await openTarget(choice.endpoint, { env: io.env });
  const description = describeEndpoint(target);
  say(description);
  return {
    description,
    clients: target.clients,
    tableName: target.names.tableName,
    where: target.endpoint,
    emulator: target.emulator,
    accountId: target.names.accountId,
    region: target.names.region,
    tagging: () => new ResourceGroupsTaggingAPIClient(target.settings),
    close: () => target.close(),
  };
}

/**
 * The environment's record when it is deployed; bad input (exit code 2, naming `--env`) when it is
 * unknown or not deployed at the target, for a command (`run`, `exec`) that needs its tasks.
 */
export async function deployedEnvironment(
  target: ReadTarget,
  project: string,
  environment: string,
  command: string,
): Promise<EnvironmentRecord> {
  const record = await readEnvironment(
    target.clients('dynamodb') as DynamoDBClient,
    target.tableName,
    project,
    environment,
  );
  if (record?.status !== 'deployed')
    throw new InputError([
      {
        path: '--env',
        message: `${project}/${environment} is ${record === undefined ? 'not known' : record.status} at ${target.where}: ${command} needs a deployed environment`,
      },
    ]);
  return record;
}
