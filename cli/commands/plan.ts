import type { Command } from 'commander';
import { formatProblem } from '../../core/errors.ts';
import { buildDeployInput } from '../../core/execution-input.ts';
import { type DeploymentPlan, planDeployment } from '../../core/plan.ts';
import { type Mode, resolveMode, SETTING_LABELS, SETTING_NAMES } from '../../core/policy.ts';
import type { WorkflowPath } from '../../core/workflow-path.ts';
import { deployPath, downPath } from '../../core/workflow-paths.ts';
import {
  addComposeOptions,
  type ComposeCommandOptions,
  type LoadedRequest,
  loadRequest,
} from '../compose-options.ts';
import type { Io } from '../io.ts';
import { renderTable, showValue } from '../table.ts';

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
    resources: plan.resources,
    workflow: paths,
  };
}

function renderDecisions(title: string, path: WorkflowPath): string {
  return `${title}:\n${path.decisions.map((d) => `  ${d.choice} → ${d.next}`).join('\n')}`;
}

export function renderPlan(loaded: LoadedRequest, plan: DeploymentPlan, paths: PlannedPaths): string {
  const { request, resolved } = loaded;
  const sections: string[] = [];
  sections.push(
    `Plan for ${request.project}/${request.environment} in ${resolved.mode} mode (deployment ${request.deploymentId}, no AWS calls made)`,
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

export function registerPlan(program: Command, io: Io) {
  addComposeOptions(
    program
      .command('plan')
      .description(
        'show the resolved policy, the workflow path and every resource a deploy would create or update, without AWS calls',
      ),
  )
    .option(
      '--previous-mode <mode>',
      'the mode the environment is in now, to see the mode-change guard (default: a first deploy)',
    )
    .action((options: ComposeCommandOptions & { previousMode?: string }) => {
      const loaded = loadRequest(options, io);
      const previousMode: Mode | undefined =
        options.previousMode === undefined ? undefined : resolveMode(options.previousMode, '--previous-mode');
      const plan = planDeployment(loaded.request, loaded.resolved);
      const input = buildDeployInput(loaded.request, loaded.resolved, io.now());
      const paths = { deploy: deployPath(input, previousMode), down: downPath(input, io.now()) };
      if (options.json) io.stdout(`${JSON.stringify(planJson(loaded, plan, paths), null, 2)}\n`);
      else {
        for (const warning of loaded.warnings) io.stderr(`warning: ${formatProblem(warning)}\n`);
        io.stdout(renderPlan(loaded, plan, paths));
      }
    });
}
