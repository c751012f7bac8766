/**
 * A workflow as a picture sees it: every state of the ASL with its
 * transitions, nested machines (Parallel branches, Map item processors) as
 * children, the mode's settings that drive each state, and the highlight of
 * one path through it. Pure: the ASL, the policy and the highlight in, the
 * model out; laying it out and drawing it are elsewhere.
 *
 * Settings are derived, not listed by hand: a state shows the settings its
 * own ASL reads (`$.policy.X`, `$.current.policy.X` in a Choice's Variables
 * or a Task's Parameters), and a Lambda step also those its declaration
 * says it reads from a whole policy (`stepSettings`). A Choice on the mode
 * shows the mode.
 */
import {
  allStates,
  choiceVariables,
  lambdaStepOf,
  type Machine,
  nestedMachines,
  type State,
  type TransitionKind,
  transitionsOf,
} from './asl.ts';
import type { StateIndex, WorkflowHighlight } from './graph-highlight.ts';
import { type Policy, SETTING_NAMES, type SettingName } from './policy.ts';
import type { WorkflowName } from './workflow-definitions.ts';

/** How one state leads to another. `catch` transitions are taken only on an error. */
export type GraphEdgeKind = TransitionKind;

export interface GraphEdge {
  readonly to: string;
  readonly kind: GraphEdgeKind;
  /** The run took (or the plan takes) this transition. */
  readonly onPath: boolean;
}

export interface GraphSetting {
  readonly key: SettingName | 'mode';
  readonly value: string;
}

export interface GraphState {
  readonly name: string;
  readonly type: string;
  /** What a Task calls: `λ EnsureDatabase` (a Lambda step) or `ecs:createCluster`. */
  readonly resource?: string;
  readonly comment?: string;
  readonly settings: readonly GraphSetting[];
  /** For a Choice on the path: the states it went to. */
  readonly decision?: readonly string[];
  readonly onPath: boolean;
  readonly failed: boolean;
  readonly error?: string;
  /** Transitions in the ASL's order: a Choice's rules, its Default, Next, then Catch. */
  readonly edges: readonly GraphEdge[];
  /** Parallel branches, or a Map's item processor. */
  readonly children: readonly GraphMachine[];
  /** For a Map: what it iterates over. */
  readonly itemsPath?: string;
}

export interface GraphMachine {
  readonly startAt: string;
  readonly states: readonly GraphState[];
}

export interface WorkflowGraph {
  readonly workflow: WorkflowName;
  readonly machine: GraphMachine;
  readonly highlight: WorkflowHighlight;
}

/** What the settings shown for each state are read from. */
export interface GraphContext {
  readonly mode: string;
  /** The resolved settings; a setting not known (an old record) shows as `?`. */
  readonly policy: Partial<Policy>;
  /**
   * The settings a Lambda step reads from a whole policy, as its declaration
   * says (functions/step.ts `settings`): the ASL shows only that it gets all of it.
   * @default none
   */
  readonly stepSettings?: (step: string) => readonly SettingName[];
}

function choiceTargets(state: State): string[] {
  return [
    ...new Set(
      transitionsOf(state).flatMap(({ to, kind }) => (kind === 'choice' || kind === 'default' ? [to] : [])),
    ),
  ];
}

/** Every state's type and every Choice's targets, for reading a trace against the definition. */
export function stateIndex(definition: Machine): StateIndex {
  const types = new Map<string, string>();
  const targets = new Map<string, readonly string[]>();
  for (const { name, state } of allStates(definition)) {
    types.set(name, state.Type);
    if (state.Type === 'Choice') targets.set(name, choiceTargets(state));
  }
  return { types, choiceTargets: targets };
}

/** A short label for what a Task calls. */
export function resourceLabel(resource: string): string {
  const step = lambdaStepOf(resource);
  if (step !== undefined) return `λ ${step}`;
  return resource.replace(/^arn:aws:states:::/, '').replace(/^aws-sdk:/, '');
}

/** The state's own definition, without the machines nested in it (they show their own settings). */
function ownText(state: State): string {
  const own: Record<string, unknown> = { ...state };
  for (const nested of ['Branches', 'ItemProcessor', 'Iterator']) delete own[nested];
  return JSON.stringify(own);
}

const SETTING_SET = new Set<string>(SETTING_NAMES);

function showSetting(value: unknown): string {
  if (value === undefined) return '?';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * The settings that drive a state, with the policy's values: those its own
 * ASL reads (`$.policy.X`, `$.current.policy.X`), and for a Lambda step also
 * those its declaration says it reads from a whole policy.
 */
export function stateSettings(state: State, context: GraphContext): GraphSetting[] {
  const read = new Set<string>();
  for (const match of ownText(state).matchAll(/\$(?:\.current)?\.policy\.([A-Za-z]+)/g))
    if (match[1] && SETTING_SET.has(match[1])) read.add(match[1]);
  const step = state.Type === 'Task' ? lambdaStepOf(state.Resource) : undefined;
  if (step !== undefined) for (const setting of context.stepSettings?.(step) ?? []) read.add(setting);
  const settings: GraphSetting[] = [];
  if (state.Type === 'Choice') {
    const variables = new Set<string>();
    for (const rule of state.Choices) choiceVariables(rule, variables);
    if (variables.has('$.mode') || variables.has('$.current.mode'))
      settings.push({ key: 'mode', value: context.mode });
  }
  for (const name of SETTING_NAMES)
    if (read.has(name)) settings.push({ key: name, value: showSetting(context.policy[name]) });
  return settings;
}

function edgesOf(state: State, onPath: (to: string, kind: GraphEdgeKind) => boolean): GraphEdge[] {
  const edges: GraphEdge[] = [];
  for (const { to, kind } of transitionsOf(state)) {
    if (edges.some((edge) => edge.to === to && edge.kind !== 'catch')) continue;
    if (kind === 'catch' && edges.some((edge) => edge.to === to)) continue;
    edges.push({ to, kind, onPath: onPath(to, kind) });
  }
  return edges;
}

function buildMachine(machine: Machine, highlight: WorkflowHighlight, context: GraphContext): GraphMachine {
  const entered = new Set(highlight.path);
  const failed = new Set(highlight.failed);
  const caught = new Set(highlight.caught);
  const states = Object.entries(machine.States).map(([name, state]): GraphState => {
    const decision = highlight.decisions[name];
    const taken = (to: string, kind: GraphEdgeKind) => {
      if (!entered.has(name) || !entered.has(to)) return false;
      if (kind === 'catch') return caught.has(name);
      if (state.Type === 'Choice') return decision?.includes(to) ?? false;
      return true;
    };
    const error = highlight.errors[name];
    return {
      name,
      type: state.Type,
      ...(state.Type === 'Task' ? { resource: resourceLabel(state.Resource) } : {}),
      ...(state.Comment !== undefined ? { comment: state.Comment } : {}),
      settings: stateSettings(state, context),
      ...(state.Type === 'Choice' && decision !== undefined && entered.has(name) ? { decision } : {}),
      onPath: entered.has(name),
      failed: failed.has(name),
      ...(failed.has(name) && error !== undefined ? { error } : {}),
      edges: edgesOf(state, taken),
      children: nestedMachines(state).map((nested) => buildMachine(nested.machine, highlight, context)),
      ...(state.Type === 'Map' && state.ItemsPath !== undefined ? { itemsPath: state.ItemsPath } : {}),
    };
  });
  return { startAt: machine.StartAt, states };
}

/** The model of one workflow with one path highlighted. */
export function buildWorkflowGraph(
  workflow: WorkflowName,
  definition: Machine,
  highlight: WorkflowHighlight,
  context: GraphContext,
): WorkflowGraph {
  return { workflow, machine: buildMachine(definition, highlight, context), highlight };
}
