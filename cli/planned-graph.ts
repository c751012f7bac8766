/**
 * The page for `modeshift graph --mode`: the path a deploy of the request
 * takes in its mode and the path a confirmed down of it takes, traced from
 * the ASL as `modeshift plan` traces it (core/workflow-paths.ts).
 */
import { buildDeployInput } from '../core/execution-input.ts';
import { highlightOfPath } from '../core/graph-highlight.ts';
import { buildWorkflowGraph, stateIndex } from '../core/graph-model.ts';
import type { Mode } from '../core/policy.ts';
import { workflowDefinition } from '../core/workflow-definitions.ts';
import { deployPath, downPath } from '../core/workflow-paths.ts';
import { stepSettings } from '../state-machines/workflows.ts';
import type { LoadedRequest } from './compose-options.ts';
import type { GraphPage } from './graph-page.ts';

export interface PlannedGraphOptions {
  /** Names the request on the page: the compose file, or the bundled example. */
  readonly requestLabel: string;
  /** The environment's mode before this deploy (the mode-change guard). @default a first deploy */
  readonly previousMode?: Mode;
  readonly now: Date;
}

export function plannedGraphPage(loaded: LoadedRequest, options: PlannedGraphOptions): GraphPage {
  const { request, resolved } = loaded;
  const input = buildDeployInput(request, resolved, options.now);
  const context = { mode: resolved.mode, policy: resolved.policy, stepSettings };
  const paths = { deploy: deployPath(input, options.previousMode), down: downPath(input, options.now) };
  const workflows = (['deploy', 'down'] as const).map((workflow) => {
    const definition = workflowDefinition(workflow);
    const highlight = highlightOfPath(paths[workflow]);
    const total = stateIndex(definition).types.size;
    return {
      graph: buildWorkflowGraph(workflow, definition, highlight, context),
      heading: `${workflow === 'deploy' ? 'Deploy' : 'Down'} workflow (state-machines/${workflow}.asl.json)`,
      note:
        workflow === 'deploy'
          ? `Planned path in ${resolved.mode} mode${options.previousMode ? ` after ${options.previousMode}` : ' (a first deploy)'}: ${highlight.path.length} of ${total} states; every wait ends at the first look.`
          : `Planned path of a confirmed down of it: ${highlight.path.length} of ${total} states; every wait ends at the first look.`,
    };
  });
  const overridden =
    resolved.overridden.length > 0 ? ` with ${resolved.overridden.join(', ')} overridden` : '';
  return {
    title: `modeshift · ${request.project} · ${resolved.mode} mode`,
    subtitle: `The path the workflows take for ${options.requestLabel} in ${resolved.mode} mode${overridden}, traced from the ASL as modeshift plan does (no AWS calls).`,
    project: request.project,
    mode: resolved.mode,
    source: 'plan',
    workflows,
  };
}
