import type { Command } from 'commander';
import { compareModes, type ModeComparison } from '../../core/compare.ts';
import { formatProblem, InputError, type Problem } from '../../core/errors.ts';
import { type Assumptions, parseAssumptions } from '../../core/estimate.ts';
import { buildDeployInput } from '../../core/execution-input.ts';
import { livePlan } from '../../core/live-plan.ts';
import { serviceNames } from '../../core/names.ts';
import { type DeploymentPlan, planDeployment } from '../../core/plan.ts';
import { MODES, type Mode, resolveMode, SETTING_LABELS, SETTING_NAMES } from '../../core/policy.ts';
import type { PriceTable } from '../../core/prices.ts';
import type { WorkflowPath } from '../../core/workflow-path.ts';
import { deployPath, downPath } from '../../core/workflow-paths.ts';
import { planZones } from '../../core/zone-plan.ts';
import { missingConfigValues } from '../../functions/aws/ssm/config-values.ts';
import {
  addComposeOptions,
  type ComposeCommandOptions,
  type LoadedRequest,
  loadRequest,
} from '../compose-options.ts';
import type { Io } from '../io.ts';
import {
  type LiveSource,
  livePlanJson,
  openLiveSource,
  readLive,
  recordedMode,
  renderLivePlan,
  renderMissingConfigValues,
  renderZonePlan,
} from '../live-plan.ts';
import { readZoneFacts } from '../live-zones.ts';
import { withLatestSnapshots } from '../restore-latest.ts';
import { withStoredConfig } from '../stored-config.ts';
import { renderTable, showValue } from '../table.ts';
import { loadPerMode, loadPrices, priceLine, repeatable } from './estimate.ts';

/** The paths the deploy and a later down take through their workflows. */
export interface PlannedPaths {
  readonly deploy: WorkflowPath;
  readonly down: WorkflowPath;
}

/** The stable JSON document `plan --json` prints (documented in the README). */
export function planJson(loaded: LoadedRequest, plan: DeploymentPlan, paths: PlannedPaths) {
  return {
    request: loaded.request,
    mode: loaded.resolved.mode,
    policy: loaded.resolved.policy,
    overridden: loaded.resolved.overridden,
    warnings: loaded.warnings,
    executionName: plan.executionName,
    waves: plan.waves,
    runOnce: plan.runOnce,
    jobs: plan.jobs,
    resources: plan.resources,
    workflow: paths,
  };
}

function renderDecisions(title: string, path: WorkflowPath): string {
  return `${title}:\n${path.decisions.map((d) => `  ${d.choice} → ${d.next}`).join('\n')}`;
}

export function renderPlan(
  loaded: LoadedRequest,
  plan: DeploymentPlan,
  paths: PlannedPaths,
  live = false,
): string {
  const { request, resolved } = loaded;
  const sections: string[] = [];
  sections.push(
    `Plan for ${request.project}/${request.environment} in ${resolved.mode} mode (deployment ${request.deploymentId}${live ? '' : ', no AWS calls made'})`,
  );
  if (loaded.warnings.length > 0) {
    sections.push(['Warnings:', ...loaded.warnings.map((w) => `  - ${formatProblem(w)}`)].join('\n'));
  }
  sections.push(
    `Policy:\n${renderTable(
      ['setting', 'value', ''],
      SETTING_NAMES.map((name) => [
        SETTING_LABELS[name],
        showValue(resolved.policy[name]),
        resolved.overridden.includes(name) ? '(override)' : '',
      ]),
    )}`,
  );
  sections.push(renderDecisions('Deploy workflow path (each Choice and the way it goes)', paths.deploy));
  sections.push(renderDecisions('Down workflow path (a confirmed down of this environment)', paths.down));
  if (plan.runOnce.length > 0)
    sections.push(
      `Run once before the rollout (a non-zero exit stops the deploy):\n${plan.runOnce.map((name, i) => `  ${i + 1}. ${name}`).join('\n')}`,
    );
  if (plan.jobs.length > 0)
    sections.push(
      `Scheduled jobs (EventBridge Scheduler, UTC; one task a run, after the rollout):\n${plan.jobs.map((job) => `  ${job.name}  ${job.schedule}`).join('\n')}`,
    );
  sections.push(
    `Deployment waves:\n${plan.waves.map((names, i) => `  ${i + 1}. ${names.join(', ')}`).join('\n')}`,
  );
  sections.push(
    `Resources (${plan.resources.length}):\n${renderTable(
      ['type', 'name', 'on down', 'settings'],
      plan.resources.map((resource) => [
        resource.type.replace(/^AWS::/, ''),
        resource.name,
        resource.onDown,
        Object.entries(resource.settings)
          .map(([key, value]) => `${key}=${showValue(value)}`)
          .join(' '),
      ]),
    )}`,
  );
  return `${sections.join('\n\n')}\n`;
}

/** The stable JSON document `plan --compare --json` prints (documented in the README). */
export function compareJson(
  loaded: LoadedRequest,
  comparison: ModeComparison,
  prices: PriceTable,
  assumptions: Assumptions,
) {
  const byMode = <T>(value: (mode: Mode) => T) =>
    Object.fromEntries(MODES.map((mode) => [mode, value(mode)]));
  return {
    project: loaded.request.project,
    environment: loaded.request.environment,
    modes: MODES,
    warnings: loaded.warnings,
    settings: comparison.settings.map((d) => ({ setting: d.setting, label: d.label, ...d.values })),
    resources: comparison.resources.map((d) => ({ type: d.type, name: d.name, ...d.present })),
    onDown: comparison.onDown.map((d) => ({
      type: d.type,
      name: d.name,
      ...byMode((mode) => d.onDown[mode] ?? null),
    })),
    estimate: {
      region: prices.region,
      pricesAsOf: prices.asOf,
      currency: prices.currency,
      assumptions,
      totals: byMode((mode) => comparison.estimates[mode].total),
    },
  };
}

export function renderComparison(
  loaded: LoadedRequest,
  comparison: ModeComparison,
  prices: PriceTable,
): string {
  const { project, environment } = loaded.request;
  const type = (name: string) => name.replace(/^AWS::/, '');
  const sections = [`Modes compared for ${project}/${environment} (no AWS calls made)`];
  sections.push(
    `Settings that differ (${comparison.settings.length} of ${SETTING_NAMES.length}):\n${renderTable(
      ['setting', 'key', ...MODES],
      comparison.settings.map((d) => [d.label, d.setting, ...MODES.map((mode) => showValue(d.values[mode]))]),
    )}`,
  );
  sections.push(
    `Resources in some modes only:\n${renderTable(
      ['type', 'name', ...MODES],
      comparison.resources.map((d) => [
        type(d.type),
        d.name,
        ...MODES.map((mode) => (d.present[mode] ? 'yes' : '-')),
      ]),
    )}`,
  );
  sections.push(
    `What down does, where the modes differ:\n${renderTable(
      ['type', 'name', ...MODES],
      comparison.onDown.map((d) => [type(d.type), d.name, ...MODES.map((mode) => d.onDown[mode] ?? '-')]),
    )}`,
  );
  sections.push(
    `Estimated monthly cost, US$ (${priceLine(prices)}; \`modeshift estimate\` itemises it and lists its assumptions):\n${renderTable(
      [...MODES],
      [MODES.map((mode) => comparison.estimates[mode].total.toFixed(2))],
    )}`,
  );
  return `${sections.join('\n\n')}\n`;
}

/**
 * Options that pick one mode make no sense when every mode is shown, and cost
 * options only with it; --compare and --offline make no AWS calls, so neither
 * goes with --endpoint.
 */
function optionConflicts(options: PlanCommandOptions): Problem[] {
  const problems: Problem[] = [];
  if (options.offline && options.endpoint !== undefined)
    problems.push({
      path: '--offline',
      message: 'cannot be combined with --endpoint, which plans against it',
    });
  if (options.restoreLatest && (options.offline || options.compare))
    problems.push({
      path: '--restore-latest',
      message: `cannot be combined with ${options.offline ? '--offline' : '--compare'}: it looks up the environment's final snapshots`,
    });
  if (options.compare) {
    if (options.endpoint !== undefined)
      problems.push({
        path: '--endpoint',
        message: 'cannot be combined with --compare, which makes no AWS calls',
      });
    if (options.mode !== undefined)
      problems.push({ path: '--mode', message: 'cannot be combined with --compare, which shows every mode' });
    if (options.previousMode !== undefined)
      problems.push({
        path: '--previous-mode',
        message: 'cannot be combined with --compare, which shows no workflow path',
      });
  } else {
    if (options.assume.length > 0)
      problems.push({ path: '--assume', message: 'applies to the cost in --compare; add --compare' });
    if (options.prices !== undefined)
      problems.push({ path: '--prices', message: 'applies to the cost in --compare; add --compare' });
  }
  return problems;
}

type PlanCommandOptions = Omit<ComposeCommandOptions, 'mode'> & {
  mode?: string;
  previousMode?: string;
  compare?: boolean;
  assume: string[];
  prices?: string;
  endpoint?: string;
  offline?: boolean;
  restoreLatest?: boolean;
};

function runCompare(options: PlanCommandOptions, io: Io) {
  const assumptions = parseAssumptions(options.assume);
  const prices = loadPrices(options.prices, io);
  const [development, staging, production] = loadPerMode(options, MODES, io);
  if (!development || !staging || !production) return;
  const comparison = compareModes({ development, staging, production }, prices, assumptions);
  if (options.json)
    io.stdout(`${JSON.stringify(compareJson(development, comparison, prices, assumptions), null, 2)}\n`);
  else {
    for (const warning of development.warnings) io.stderr(`warning: ${formatProblem(warning)}\n`);
    io.stdout(renderComparison(development, comparison, prices));
  }
}

export function registerPlan(program: Command, io: Io) {
  const command = addComposeOptions(
    program
      .command('plan')
      .description(
        'show the resolved policy, the workflow path and every resource a deploy would create or update, without AWS calls; with --endpoint or a deployed app, then what the deploy changes there',
      ),
  )
    .option(
      '--previous-mode <mode>',
      'the mode the environment is in now, to see the mode-change guard (default: a first deploy)',
    )
    .option(
      '--compare',
      'show the three modes side by side: settings, resources and monthly cost that differ',
    )
    .addOption(
      repeatable('--assume <key=value>', 'with --compare: override one cost assumption (repeatable)'),
    )
    .option('--prices <file.json>', 'with --compare: a partial price table merged over the bundled one')
    .option(
      '--endpoint <url>',
      'also compare with the environment deployed at this AWS API endpoint: create, update, remove or keep per resource',
    )
    .option('--offline', 'make no AWS calls even when a deployed app is found')
    .option(
      '--restore-latest',
      'plan as `deploy --restore-latest`: each missing database and cache from its newest final snapshot (needs --endpoint or a deployed app)',
    );
  // --mode is required unless --compare shows every mode; checked in the action.
  const modeOption = command.options.find((option) => option.long === '--mode');
  if (modeOption) {
    modeOption.makeOptionMandatory(false);
    modeOption.description = 'development, staging or production (or an alias); required unless --compare';
  }
  command.action(async (options: PlanCommandOptions) => {
    const conflicts = optionConflicts(options);
    if (conflicts.length > 0) throw new InputError(conflicts);
    if (options.compare) return runCompare(options, io);
    if (options.mode === undefined)
      return command.error("error: required option '--mode <mode>' not specified");
    const loaded = loadRequest({ ...options, mode: options.mode }, io);
    const previousMode: Mode | undefined =
      options.previousMode === undefined ? undefined : resolveMode(options.previousMode, '--previous-mode');
    const source = await openLiveSource(options, io);
    if (source === undefined) {
      if (options.restoreLatest)
        throw new InputError([
          {
            path: '--restore-latest',
            message:
              'needs the environment to look up its final snapshots: pass --endpoint, or run where modeshift is deployed',
          },
        ]);
      return printPlan(loaded, previousMode, options.json === true, io);
    }
    try {
      await printLivePlan(loaded, previousMode, source, options, io);
    } finally {
      await source.close();
    }
  });
}

/** The offline plan: no AWS calls. */
function printPlan(loaded: LoadedRequest, previousMode: Mode | undefined, json: boolean, io: Io) {
  const plan = planDeployment(loaded.request, loaded.resolved);
  const input = buildDeployInput(loaded.request, loaded.resolved, io.now());
  const paths = { deploy: deployPath(input, previousMode), down: downPath(input, io.now()) };
  if (json) io.stdout(`${JSON.stringify(planJson(loaded, plan, paths), null, 2)}\n`);
  else {
    for (const warning of loaded.warnings) io.stderr(`warning: ${formatProblem(warning)}\n`);
    io.stdout(renderPlan(loaded, plan, paths));
  }
}

/**
 * The offline plan followed by the live plan. The deploy path's previous mode
 * is the environment's recorded mode unless --previous-mode names another.
 */
async function printLivePlan(
  loaded: LoadedRequest,
  previousMode: Mode | undefined,
  source: LiveSource,
  options: PlanCommandOptions,
  io: Io,
) {
  // As deploy reads the file: with the environment's stored config names.
  const configured = await withStoredConfig(
    loaded,
    { ...options, mode: options.mode as string, deploymentId: loaded.request.deploymentId },
    io,
    source.clients.ssm,
  );
  // As `deploy --restore-latest` would: each missing store from its newest final snapshot.
  const stored = options.restoreLatest
    ? await withLatestSnapshots(configured, source.clients, (line) => io.stderr(`${line}\n`))
    : configured;
  const { request } = stored;
  const missing = await missingConfigValues(request, source.clients.ssm);
  const input = buildDeployInput(request, stored.resolved, io.now());
  const images = input.builds.flatMap((build) =>
    build.imageTag === undefined
      ? []
      : [
          {
            repository: serviceNames(input.project, input.environment, build.service).ecrRepository,
            imageTag: build.imageTag,
          },
        ],
  );
  const live = livePlan(
    input,
    await readLive(source, { project: request.project, environment: request.environment, images }),
  );
  const zones = planZones(await readZoneFacts(source.route53, input.zones, request), input);
  const plan = planDeployment(request, stored.resolved);
  const paths = {
    deploy: deployPath(input, previousMode ?? recordedMode(live)),
    down: downPath(input, io.now()),
  };
  if (options.json) {
    const document = { ...planJson(stored, plan, paths), ...livePlanJson(source, live, missing, zones) };
    io.stdout(`${JSON.stringify(document, null, 2)}\n`);
    return;
  }
  for (const warning of stored.warnings) io.stderr(`warning: ${formatProblem(warning)}\n`);
  io.stdout(renderPlan(stored, plan, paths, true));
  io.stdout(`\n${renderLivePlan(source, live, { ...request, force: request.force === true })}`);
  const zoneLines = renderZonePlan(zones);
  if (zoneLines !== '') io.stdout(`\n${zoneLines}`);
  const refused = renderMissingConfigValues(missing);
  if (refused !== '') io.stdout(`\n${refused}`);
}
