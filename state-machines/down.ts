/**
 * The down workflow: tears one environment down and keeps exactly what its
 * mode's policy retains (final database snapshot, access logs, log groups,
 * hosted zone). Input: core/execution-input.ts buildDownInput.
 *
 * Generated into down.asl.json (npm run workflows); read it top to bottom
 * as the run goes: refuse what must be refused, take the lock, tear down
 * everything in the network at once, then the network, the zone, the access
 * logs, and record the outcome. Every failure ends in the failure path.
 */
import type { JsonObject, Machine } from '../core/asl.ts';
import { checkCachesDeleted } from '../functions/steps/check-caches-deleted.ts';
import { checkDatabasesDeleted } from '../functions/steps/check-databases-deleted.ts';
import { checkExpirySchedule } from '../functions/steps/check-expiry-schedule.ts';
import { deleteAccessLogBucket } from '../functions/steps/delete-access-log-bucket.ts';
import { deleteBuildResources } from '../functions/steps/delete-build-resources.ts';
import { deleteCaches } from '../functions/steps/delete-caches.ts';
import { deleteCertificate } from '../functions/steps/delete-certificate.ts';
import { deleteDatabases } from '../functions/steps/delete-databases.ts';
import { deleteLoadBalancer } from '../functions/steps/delete-load-balancer.ts';
import { deleteLogGroups } from '../functions/steps/delete-log-groups.ts';
import { deleteNetwork } from '../functions/steps/delete-network.ts';
import { deletePrivateNamespace } from '../functions/steps/delete-private-namespace.ts';
import { deleteServices } from '../functions/steps/delete-services.ts';
import { describeFailure } from '../functions/steps/describe-failure.ts';
import { disableLoadBalancerProtection } from '../functions/steps/disable-load-balancer-protection.ts';
import { findCaches } from '../functions/steps/find-caches.ts';
import { findDatabases } from '../functions/steps/find-databases.ts';
import { purgeAndDeleteZones } from '../functions/steps/purge-and-delete-zones.ts';
import { removeServiceRecords } from '../functions/steps/remove-service-records.ts';
import {
  acquireLock,
  appendHistory,
  choice,
  deleteExpirySchedule,
  END,
  emitEvent,
  failurePath,
  guardedParallel,
  lambdaTask,
  type Poll,
  pass,
  placeholder,
  readRecord,
  refuse,
  SUCCEED,
  sdkTask,
  updateRecord,
  wait,
  whether,
} from './patterns.ts';

/** What every teardown step is given: the environment, its names and the tags that make a resource its own. */
const ENVIRONMENT = {
  'project.$': '$.project',
  'environment.$': '$.environment',
  'names.$': '$.names',
  'environmentTags.$': '$.environmentTags',
} as const satisfies JsonObject;

/** Deletions AWS finishes in the background: looked at every 10 seconds, for up to half an hour. */
const DELETION: Poll = { intervalSeconds: 10, maxAttempts: 180 };

/** Services first; then, side by side, the load balancer, the private namespace and the NAT gateways; then the certificate. */
const servicesAndLoadBalancer = {
  name: 'ServicesAndLoadBalancer',
  comment:
    'Services first; then, side by side, the load balancer (protection off first in production), the private namespace and the NAT gateways; then the certificate.',
  startAt: 'DeleteServices',
  states: {
    DeleteServices: lambdaTask(deleteServices, {
      comment: "Scales every service of the environment's cluster to zero and deletes it.",
      parameters: ENVIRONMENT,
      resultPath: '$.services',
      poll: DELETION,
      onError: 'propagate',
      next: 'DeleteCluster',
    }),
    DeleteCluster: sdkTask('ecs', 'deleteCluster', {
      comment: "DeleteServices has checked that the cluster of this name is the environment's.",
      parameters: { 'Cluster.$': '$.names.cluster' },
      expect: [{ errors: ['Ecs.ClusterNotFoundException'], next: 'LoadBalancerProtection' }],
      onError: 'propagate',
      next: 'LoadBalancerProtection',
    }),
    LoadBalancerProtection: whether(
      '$.current.policy.lbDeletionProtection',
      'DisableLoadBalancerProtection',
      'StartLoadBalancerDeletion',
      { comment: 'A protected load balancer (production) has its deletion protection turned off first.' },
    ),
    DisableLoadBalancerProtection: lambdaTask(disableLoadBalancerProtection, {
      parameters: ENVIRONMENT,
      onError: 'propagate',
      next: 'StartLoadBalancerDeletion',
    }),
    StartLoadBalancerDeletion: lambdaTask(deleteLoadBalancer, {
      comment:
        'Starts deleting listeners, the load balancer and its target groups; DeleteLoadBalancer below waits for them.',
      parameters: ENVIRONMENT,
      expect: [{ errors: ['Modeshift.NotReady'], next: 'StartPrivateNamespaceDeletion' }],
      onError: 'propagate',
      next: 'StartPrivateNamespaceDeletion',
    }),
    StartPrivateNamespaceDeletion: lambdaTask(deletePrivateNamespace, {
      comment:
        'Starts deleting the Cloud Map services and instances, the database records and the namespace; DeletePrivateNamespace below waits for them.',
      parameters: ENVIRONMENT,
      expect: [{ errors: ['Modeshift.NotReady'], next: 'DeleteNatGateways' }],
      onError: 'propagate',
      next: 'DeleteNatGateways',
    }),
    DeleteNatGateways: lambdaTask(deleteNetwork, {
      comment:
        'The NAT gateways, as soon as no task needs them (while the load balancer and the namespace are going too); the rest of the network goes once the databases are gone as well.',
      parameters: { ...ENVIRONMENT, scope: 'nat-gateways' },
      resultPath: '$.natGateways',
      poll: DELETION,
      onError: 'propagate',
      next: 'DeleteLoadBalancer',
    }),
    DeleteLoadBalancer: lambdaTask(deleteLoadBalancer, {
      comment:
        "Listeners, the load balancer and its target groups: done once they are gone. On the project's shared load balancer only the environment's rules and certificate go, and the load balancer itself once no environment is left behind it.",
      parameters: { ...ENVIRONMENT, lockTable: placeholder('EnvironmentsTable') },
      resultPath: '$.loadBalancer',
      poll: DELETION,
      onError: 'propagate',
      next: 'DeletePrivateNamespace',
    }),
    DeletePrivateNamespace: lambdaTask(deletePrivateNamespace, {
      comment:
        'Cloud Map services and instances, the database records and the namespace; its private zone goes with it.',
      parameters: ENVIRONMENT,
      resultPath: '$.namespace',
      poll: DELETION,
      onError: 'propagate',
      next: 'DeleteCertificate',
    }),
    DeleteCertificate: lambdaTask(deleteCertificate, {
      parameters: ENVIRONMENT,
      onError: 'propagate',
      next: END,
    }),
  },
};

/** The databases: found by their tags, deleted with or without a final snapshot as the mode says, then their subnet group. */
const databases = {
  name: 'Databases',
  keep: { 'destroyed.$': '$[0].found.databases', 'snapshots.$': '$[0].deleted.databases.snapshots' },
  startAt: 'FindDatabases',
  states: {
    FindDatabases: lambdaTask(findDatabases, {
      comment: "The environment's RDS instances, found by their modeshift tags.",
      parameters: ENVIRONMENT,
      resultPath: '$.found',
      onError: 'propagate',
      next: 'HasDatabasesToDelete',
    }),
    HasDatabasesToDelete: choice({
      when: [{ rule: { Variable: '$.found.databases[0]', IsPresent: true }, next: 'FinalSnapshotPolicy' }],
      otherwise: 'HasSubnetGroup',
    }),
    HasSubnetGroup: choice({
      comment:
        'IAM authorises deleting a subnet group by its tags: one that does not exist is refused, not found missing.',
      when: [
        {
          rule: {
            And: [
              { Variable: '$.found.subnetGroup', IsPresent: true },
              { Variable: '$.found.subnetGroup', BooleanEquals: true },
            ],
          },
          next: 'DeleteDbSubnetGroup',
        },
      ],
      otherwise: 'SubnetGroupGone',
    }),
    FinalSnapshotPolicy: whether(
      '$.current.policy.finalSnapshotOnDown',
      'DeleteDatabasesWithFinalSnapshot',
      'DeleteDatabasesWithoutSnapshot',
      { comment: 'Production keeps a final snapshot; the other modes delete without one.' },
    ),
    DeleteDatabasesWithFinalSnapshot: lambdaTask(deleteDatabases, {
      comment:
        'Every database: protection off where it is on, then deleted with a final snapshot <instance>-final-<stamp>.',
      parameters: { 'databases.$': '$.found.databases', finalSnapshot: true, 'stamp.$': '$.stamp' },
      resultPath: '$.deleted.databases',
      onError: 'propagate',
      next: 'WaitForDatabaseDeletion',
    }),
    DeleteDatabasesWithoutSnapshot: lambdaTask(deleteDatabases, {
      comment: 'Every database: protection off where it is on, then deleted without a snapshot.',
      parameters: { 'databases.$': '$.found.databases', finalSnapshot: false, 'stamp.$': '$.stamp' },
      resultPath: '$.deleted.databases',
      onError: 'propagate',
      next: 'WaitForDatabaseDeletion',
    }),
    WaitForDatabaseDeletion: wait(120, {
      comment:
        'RDS takes minutes to delete an instance (and longer with a final snapshot): the first look is after two of them.',
      next: 'CheckDatabasesDeleted',
    }),
    CheckDatabasesDeleted: lambdaTask(checkDatabasesDeleted, {
      parameters: { 'databases.$': '$.found.databases' },
      resultPath: '$.deletion',
      poll: { intervalSeconds: 10, maxAttempts: 360 },
      onError: 'propagate',
      next: 'DeleteDbSubnetGroup',
    }),
    DeleteDbSubnetGroup: sdkTask('rds', 'deleteDBSubnetGroup', {
      comment: "FindDatabases has checked that the subnet group of this name is the environment's.",
      parameters: { 'DbSubnetGroupName.$': '$.names.dbSubnetGroup' },
      expect: [{ errors: ['Rds.DbSubnetGroupNotFoundException'], next: 'SubnetGroupGone' }],
      onError: 'propagate',
      next: END,
    }),
    SubnetGroupGone: SUCCEED,
  },
};

/** The caches: found by their tags, deleted with or without a final snapshot as the mode says, then their subnet group. */
const caches = {
  name: 'Caches',
  keep: { 'destroyed.$': '$[0].foundCaches.caches', 'snapshots.$': '$[0].deleted.caches.snapshots' },
  startAt: 'FindCaches',
  states: {
    FindCaches: lambdaTask(findCaches, {
      comment: "The environment's ElastiCache replication groups, found by their modeshift tags.",
      parameters: ENVIRONMENT,
      resultPath: '$.foundCaches',
      onError: 'propagate',
      next: 'HasCachesToDelete',
    }),
    HasCachesToDelete: choice({
      when: [{ rule: { Variable: '$.foundCaches.caches[0]', IsPresent: true }, next: 'CacheSnapshotPolicy' }],
      otherwise: 'HasCacheSubnetGroup',
    }),
    HasCacheSubnetGroup: whether(
      '$.foundCaches.subnetGroup',
      'DeleteCacheSubnetGroup',
      'CacheSubnetGroupGone',
      {
        comment: 'Only an existing subnet group is deleted: IAM authorises the delete by its tags.',
      },
    ),
    CacheSnapshotPolicy: whether(
      '$.current.policy.finalSnapshotOnDown',
      'DeleteCachesWithFinalSnapshot',
      'DeleteCachesWithoutSnapshot',
      { comment: 'Production keeps a final snapshot of each cache; the other modes delete without one.' },
    ),
    DeleteCachesWithFinalSnapshot: lambdaTask(deleteCaches, {
      comment:
        "Every cache: a final snapshot <group>-final-<stamp> with the environment's tags, kept; the group is deleted once its snapshot is available.",
      parameters: {
        'caches.$': '$.foundCaches.caches',
        finalSnapshot: true,
        'stamp.$': '$.stamp',
        'environmentTags.$': '$.environmentTags',
      },
      resultPath: '$.deleted.caches',
      poll: { intervalSeconds: 15, maxAttempts: 240 },
      onError: 'propagate',
      next: 'WaitForCacheDeletion',
    }),
    DeleteCachesWithoutSnapshot: lambdaTask(deleteCaches, {
      comment: 'Every cache, deleted without a snapshot.',
      parameters: { 'caches.$': '$.foundCaches.caches', finalSnapshot: false, 'stamp.$': '$.stamp' },
      resultPath: '$.deleted.caches',
      onError: 'propagate',
      next: 'WaitForCacheDeletion',
    }),
    WaitForCacheDeletion: wait(60, {
      comment: 'ElastiCache takes minutes to delete a replication group: the first look is after one.',
      next: 'CheckCachesDeleted',
    }),
    CheckCachesDeleted: lambdaTask(checkCachesDeleted, {
      parameters: { 'caches.$': '$.foundCaches.caches' },
      resultPath: '$.cacheDeletion',
      poll: { intervalSeconds: 10, maxAttempts: 360 },
      onError: 'propagate',
      next: 'DeleteCacheSubnetGroup',
    }),
    DeleteCacheSubnetGroup: sdkTask('elasticache', 'deleteCacheSubnetGroup', {
      comment: "FindCaches has checked that the subnet group of this name is the environment's.",
      parameters: { 'CacheSubnetGroupName.$': '$.names.cacheSubnetGroup' },
      expect: [{ errors: ['ElastiCache.CacheSubnetGroupNotFoundException'], next: 'CacheSubnetGroupGone' }],
      onError: 'propagate',
      next: END,
    }),
    CacheSubnetGroupGone: SUCCEED,
  },
};

const buildResources = {
  name: 'BuildResources',
  startAt: 'DeleteBuildResources',
  states: {
    DeleteBuildResources: lambdaTask(deleteBuildResources, {
      comment: "The environment's CodeBuild projects and ECR repositories with their images.",
      parameters: ENVIRONMENT,
      onError: 'propagate',
      next: END,
    }),
  },
};

const logGroups = {
  name: 'LogGroups',
  startAt: 'LogGroupPolicy',
  states: {
    LogGroupPolicy: whether('$.current.policy.retainAccessLogsOnDown', 'KeepLogGroups', 'DeleteLogGroups', {
      comment:
        'Production keeps its log groups, which expire by their retention; the other modes delete them.',
    }),
    KeepLogGroups: SUCCEED,
    DeleteLogGroups: lambdaTask(deleteLogGroups, {
      parameters: ENVIRONMENT,
      onError: 'propagate',
      next: END,
    }),
  },
};

export const downDefinition: Machine = {
  Comment:
    "modeshift down: tears one environment down and keeps exactly what its mode's policy retains (final database snapshot, access logs, log groups, hosted zone). Input: core/execution-input.ts buildDownInput.",
  StartAt: 'DescribeTeardown',
  States: {
    DescribeTeardown: pass({
      parameters: {
        event: {
          'project.$': '$.project',
          'environment.$': '$.environment',
          'deploymentId.$': '$.deploymentId',
          'executionArn.$': '$$.Execution.Id',
        },
        warning: '',
      },
      resultPath: '$.run',
      next: 'ReadEnvironment',
    }),
    ReadEnvironment: readRecord({ resultPath: '$.record', next: 'EnvironmentKnown' }),
    EnvironmentKnown: choice({
      comment:
        "The mode and policy come from the environment record: the last successful deploy's, else the requested one's.",
      when: [
        { rule: { Variable: '$.record.Item.mode.S', IsPresent: true }, next: 'LoadDeployedPolicy' },
        { rule: { Variable: '$.record.Item.requestedMode.S', IsPresent: true }, next: 'LoadRequestedPolicy' },
      ],
      otherwise: 'EnvironmentNotFound',
    }),
    EnvironmentNotFound: refuse(
      'Modeshift.EnvironmentNotFound',
      "States.Format('no environment {} of project {} is recorded', $.environment, $.project)",
    ),
    LoadDeployedPolicy: pass({
      parameters: {
        'mode.$': '$.record.Item.mode.S',
        'policy.$': 'States.StringToJson($.record.Item.policy.S)',
      },
      resultPath: '$.current',
      next: 'ConfirmProductionDown',
    }),
    LoadRequestedPolicy: pass({
      parameters: {
        'mode.$': '$.record.Item.requestedMode.S',
        'policy.$': 'States.StringToJson($.record.Item.requestedPolicy.S)',
      },
      resultPath: '$.current',
      next: 'ConfirmProductionDown',
    }),
    ConfirmProductionDown: choice({
      comment: 'A production environment is only taken down when the request names it in confirm.',
      when: [
        {
          rule: {
            And: [
              { Variable: '$.current.mode', StringEquals: 'production' },
              { Not: { Variable: '$.confirm', StringEqualsPath: '$.environment' } },
            ],
          },
          next: 'ProductionDownNotConfirmed',
        },
      ],
      otherwise: 'FinalSnapshotRule',
    }),
    FinalSnapshotRule: choice({
      comment:
        'An environment that was ever in production keeps a final database snapshot on its down, whatever its mode now, unless the down is confirmed.',
      when: [
        {
          rule: { Variable: '$.current.policy.finalSnapshotOnDown', BooleanEquals: true },
          next: 'AcquireLock',
        },
        { rule: { Variable: '$.confirm', StringEqualsPath: '$.environment' }, next: 'AcquireLock' },
        { rule: { Variable: '$.record.Item.modesDeployed.SS', IsPresent: true }, next: 'WasEverProduction' },
      ],
      otherwise: 'AcquireLock',
    }),
    WasEverProduction: pass({
      parameters: {
        'everProduction.$': "States.ArrayContains($.record.Item.modesDeployed.SS, 'production')",
      },
      resultPath: '$.pastModes',
      next: 'EverProduction',
    }),
    EverProduction: whether('$.pastModes.everProduction', 'KeepFinalSnapshot', 'AcquireLock'),
    KeepFinalSnapshot: pass({
      comment:
        'The mode would delete the databases without a snapshot; a final snapshot is taken all the same.',
      parameters: {
        'event.$': '$.run.event',
        warning:
          'the environment was once in production: its databases get a final snapshot, as the down was not confirmed',
      },
      resultPath: '$.run',
      next: 'KeepFinalSnapshotPolicy',
    }),
    KeepFinalSnapshotPolicy: pass({
      result: true,
      resultPath: '$.current.policy.finalSnapshotOnDown',
      next: 'AcquireLock',
    }),
    ProductionDownNotConfirmed: refuse(
      'Modeshift.ProductionDownNotConfirmed',
      "States.Format('environment {} is in production mode: down needs confirm set to {}', $.environment, $.environment)",
    ),
    ...acquireLock({
      set: '#status = :tearingDown',
      values: { ':tearingDown': { S: 'tearing-down' } },
      resultPath: '$.previous',
      next: 'CheckExpirySchedule',
    }),
    CheckExpirySchedule: lambdaTask(checkExpirySchedule, {
      comment:
        "Whether the expiry schedule exists and is this environment's (schedules carry no tags: its Down Requested input names the owner).",
      parameters: { 'project.$': '$.project', 'environment.$': '$.environment', 'names.$': '$.names' },
      resultPath: '$.expirySchedule',
      next: 'HasExpirySchedule',
    }),
    HasExpirySchedule: whether('$.expirySchedule.exists', 'DeleteExpirySchedule', 'NothingDeletedYet'),
    DeleteExpirySchedule: deleteExpirySchedule({ next: 'NothingDeletedYet' }),
    NothingDeletedYet: pass({
      comment:
        'No final snapshots yet: a branch that has no store to delete leaves these, so that TeardownSummary always finds a list.',
      result: { databases: { snapshots: [] }, caches: { snapshots: [] } },
      resultPath: '$.deleted',
      next: 'Teardown',
    }),
    ...guardedParallel('Teardown', {
      comment:
        'What runs in the network, each independent branch at once: services, then load balancer, private namespace and NAT gateways; databases; caches; builds; log groups. A failed branch is held until every branch has ended.',
      resultPath: '$.teardownBranches',
      branches: [servicesAndLoadBalancer, databases, caches, buildResources, logGroups],
      next: 'TeardownSummary',
    }),
    TeardownSummary: pass({
      comment:
        "What the down destroyed and what it kept, for the history entry: the stores' branches' findings.",
      parameters: {
        destroyed: {
          'databases.$': '$.teardownBranches[1].destroyed',
          'caches.$': '$.teardownBranches[2].destroyed',
          'hostedZone.$': '$.current.policy.destroyZoneOnDown',
        },
        kept: {
          'databaseSnapshots.$': '$.teardownBranches[1].snapshots',
          'cacheSnapshots.$': '$.teardownBranches[2].snapshots',
          'accessLogs.$': '$.current.policy.retainAccessLogsOnDown',
        },
      },
      resultPath: '$.teardown',
      next: 'DeleteNetwork',
    }),
    DeleteNetwork: lambdaTask(deleteNetwork, {
      comment:
        "What is left of the network once everything in it is gone: addresses, internet gateway, subnets, route tables, security groups and the VPC. In the project's shared network only the environment's security groups; the shared VPC goes once no environment is left in it.",
      parameters: { ...ENVIRONMENT, lockTable: placeholder('EnvironmentsTable') },
      resultPath: '$.network',
      poll: { intervalSeconds: 5, maxAttempts: 360 },
      next: 'ZonePolicy',
    }),
    ZonePolicy: whether('$.current.policy.destroyZoneOnDown', 'PurgeAndDeleteZones', 'KeepZones', {
      comment:
        'development destroys its hosted zone (records purged first); the other modes keep it and remove only the records modeshift wrote.',
    }),
    PurgeAndDeleteZones: lambdaTask(purgeAndDeleteZones, {
      parameters: ENVIRONMENT,
      next: 'AccessLogPolicy',
    }),
    KeepZones: lambdaTask(removeServiceRecords, { parameters: ENVIRONMENT, next: 'AccessLogPolicy' }),
    AccessLogPolicy: whether(
      '$.current.policy.retainAccessLogsOnDown',
      'KeepAccessLogs',
      'DeleteAccessLogBucket',
      {
        comment: "Production keeps the load balancer's access logs.",
      },
    ),
    KeepAccessLogs: pass({ next: 'MarkDown' }),
    DeleteAccessLogBucket: lambdaTask(deleteAccessLogBucket, {
      parameters: { ...ENVIRONMENT, accountId: placeholder('AccountId'), region: placeholder('Region') },
      next: 'MarkDown',
    }),
    MarkDown: updateRecord({
      update:
        'SET #status = :down, #lastActivityAt = :now, #downAt = :downAt REMOVE #lockId, #lockExpiresAt, #lockExecution, #sweepMode, #expiresAt, #publicServices, #loadBalancer, #teamVpc, #sharedNetwork',
      condition: '#lockId = :lock',
      values: {
        ':down': { S: 'down' },
        ':lock': { 'S.$': '$.deploymentId' },
        ':now': { 'N.$': "States.Format('{}', $.requestedAtEpoch)" },
        ':downAt': { 'S.$': '$$.State.EnteredTime' },
      },
      next: 'AppendHistory',
    }),
    AppendHistory: appendHistory({
      action: 'down',
      status: 'succeeded',
      fields: {
        mode: { 'S.$': '$.current.mode' },
        warning: { 'S.$': '$.run.warning' },
        policy: { 'S.$': 'States.JsonToString($.current.policy)' },
        teardown: { 'S.$': 'States.JsonToString($.teardown)' },
      },
      next: 'EmitTeardownSucceeded',
    }),
    EmitTeardownSucceeded: emitEvent({
      detailType: 'Teardown Succeeded',
      detail: 'States.JsonToString($.run.event)',
      next: 'TornDown',
    }),
    TornDown: SUCCEED,
    ...failurePath(describeFailure, {
      action: 'down',
      undescribed: { mode: 'unknown' },
      history: { mode: { 'S.$': '$.failureReport.mode' } },
      failedEvent: 'Teardown Failed',
    }),
  },
};
