/**
 * What a task's role must allow for ECS Exec (`modeshift exec`, the mode
 * setting `executeCommand`, docs/design.md §1).
 *
 * ECS Exec runs through Systems Manager: the SSM agent ECS starts in each
 * container of a task whose service has `enableExecuteCommand` opens a
 * control channel and a data channel to Session Manager, with the task's
 * own role (the task role, not the execution role). Without these four
 * actions ExecuteCommand is refused ("execute command agent isn't running")
 * although the service has ECS Exec on.
 *
 * The ssmmessages actions name no resource type and take no condition key
 * that could narrow them (the channel belongs to the calling task), so IAM
 * authorises them on `*` only: a role that uses this statement needs them
 * among the justified wildcards (core/iam/lint.ts). Only services whose
 * mode has `executeCommand` on need it; production's tasks do without.
 */
import type { PolicyStatement } from './iam/policy.ts';

/** The actions the SSM agent in a task calls to open an ECS Exec session. */
export const EXEC_CHANNEL_ACTIONS = [
  'ssmmessages:CreateControlChannel',
  'ssmmessages:CreateDataChannel',
  'ssmmessages:OpenControlChannel',
  'ssmmessages:OpenDataChannel',
] as const;

/** The statement a task role needs for ECS Exec: {@link EXEC_CHANNEL_ACTIONS} on `*`. */
export const EXEC_CHANNEL_STATEMENT: Readonly<PolicyStatement> = {
  Sid: 'EcsExecChannels',
  Effect: 'Allow',
  Action: [...EXEC_CHANNEL_ACTIONS],
  Resource: ['*'],
};
