/**
 * The deploy and down state machines, from state-machines/*.asl.json with
 * their `${Placeholder}` tokens resolved, each with a role whose policy is
 * derived from its ASL (core/iam/principal-policies.ts) and a log group.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { workflowRolePolicy } from '../core/iam/principal-policies.ts';
import { trustPolicy } from '../core/iam/service-policies.ts';
import { parseDefinition } from '../engine/definition.ts';
import { substitutePlaceholders } from '../engine/placeholders.ts';

type Output<T> = $util.Output<T>;

export interface WorkflowInputs {
  readonly table: sst.aws.Dynamo;
  readonly bus: sst.aws.Bus;
  readonly steps: Record<string, sst.aws.Function>;
  readonly roles: {
    scheduler: aws.iam.Role;
    account: Output<string>;
    region: Output<string>;
    projects: readonly string[];
  };
}

function createWorkflow(name: 'deploy' | 'down', inputs: WorkflowInputs) {
  const definition = parseDefinition(
    readFileSync(join(process.cwd(), 'state-machines', `${name}.asl.json`), 'utf8'),
  );
  const stepArns = $resolve(
    Object.fromEntries(Object.entries(inputs.steps).map(([step, fn]) => [step, fn.arn])),
  );
  const values = $resolve({
    account: inputs.roles.account,
    region: inputs.roles.region,
    table: inputs.table.name,
    tableArn: inputs.table.arn,
    busName: inputs.bus.name,
    busArn: inputs.bus.arn,
    scheduler: inputs.roles.scheduler.arn,
    steps: stepArns,
  });
  const placeholders = values.apply((v) => ({
    EnvironmentsTable: v.table,
    EventBusName: v.busName,
    EventBusArn: v.busArn,
    SchedulerRoleArn: v.scheduler,
    AccountId: v.account,
    Region: v.region,
    ...Object.fromEntries(Object.entries(v.steps).map(([step, arn]) => [`${step}FunctionArn`, arn])),
  }));
  const stateMachineName = `modeshift-${$app.stage}-${name}`;
  const role = new aws.iam.Role(`${name}WorkflowRole`, {
    // Step Functions assumes it only for this state machine of this account.
    assumeRolePolicy: values.apply((v) =>
      JSON.stringify(
        trustPolicy('states.amazonaws.com', {
          account: v.account,
          arns: [`arn:aws:states:${v.region}:${v.account}:stateMachine:${stateMachineName}`],
        }),
      ),
    ),
  });
  new aws.iam.RolePolicy(`${name}WorkflowPolicy`, {
    role: role.id,
    policy: values.apply((v) =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: workflowRolePolicy(name, {
          account: v.account,
          region: v.region,
          projects: inputs.roles.projects,
          tableArn: v.tableArn,
          busArn: v.busArn,
          lambdaFunctionArns: v.steps,
          schedulerRoleArn: v.scheduler,
        }),
      }),
    ),
  });
  const logGroup = new aws.cloudwatch.LogGroup(`${name}WorkflowLogs`, {
    name: `/modeshift/${$app.stage}/workflows/${name}`,
    retentionInDays: 30,
  });
  return new aws.sfn.StateMachine(`${name}Workflow`, {
    name: stateMachineName,
    type: 'STANDARD',
    roleArn: role.arn,
    // Every token must have a value here: no Lambda step resolves by itself, as it does in the local engine.
    definition: placeholders.apply((p) => JSON.stringify(substitutePlaceholders(definition, p, []))),
    loggingConfiguration: {
      level: 'ERROR',
      includeExecutionData: false,
      logDestination: $interpolate`${logGroup.arn}:*`,
    },
  });
}

export function createWorkflows(inputs: WorkflowInputs) {
  return { deploy: createWorkflow('deploy', inputs), down: createWorkflow('down', inputs) };
}
