/**
 * modeshift deployed with SST, as the CLI finds it: the names `sst deploy`
 * wrote to .sst/outputs.json, or the same names from MODESHIFT_* variables
 * (they win). With a deployed app, deploy and down publish their request to
 * its bus and follow the execution instead of running the workflow here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DeployedApp {
  readonly busName: string;
  /** Where build contexts are uploaded for CodeBuild. */
  readonly artifactBucket: string;
  readonly tableName: string;
  readonly deployStateMachineArn: string;
  readonly downStateMachineArn: string;
  /** The SST stage modeshift was deployed as, to name where a command acts. */
  readonly stage?: string;
}

export function findDeployedApp(
  cwd: string,
  env: Readonly<Record<string, string | undefined>>,
): DeployedApp | undefined {
  const file = join(cwd, '.sst', 'outputs.json');
  const outputs = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  const pick = (variable: string, output: string) =>
    env[variable] ?? (typeof outputs[output] === 'string' ? (outputs[output] as string) : undefined);
  const app = {
    busName: pick('MODESHIFT_BUS', 'eventBus'),
    artifactBucket: pick('MODESHIFT_ARTIFACTS', 'artifactBucket'),
    tableName: pick('MODESHIFT_TABLE', 'environmentsTable'),
    deployStateMachineArn: pick('MODESHIFT_DEPLOY_STATE_MACHINE', 'deployStateMachine'),
    downStateMachineArn: pick('MODESHIFT_DOWN_STATE_MACHINE', 'downStateMachine'),
  };
  if (!Object.values(app).every((value) => value !== undefined)) return undefined;
  const stage = pick('MODESHIFT_STAGE', 'stage');
  return { ...(app as Omit<DeployedApp, 'stage'>), ...(stage !== undefined ? { stage } : {}) };
}
