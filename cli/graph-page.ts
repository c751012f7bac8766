/**
 * The page `modeshift graph` writes: one self-contained HTML file (styles
 * inline, no script to run, no fonts or images fetched) drawing each
 * workflow as inline SVG, laid out here (core/graph-layout.ts), with the
 * path highlighted. Every state carries `data-state`, `data-workflow`,
 * `data-on-path` and `data-failed`, and the page a JSON summary in
 * `<script type="application/json" id="modeshift-graph">`, so tests and
 * tools read the page without parsing the drawing.
 *
 * Every string from the ASL, the request or the history is escaped.
 */
import {
  type EdgeLayout,
  type LayoutMachineInput,
  type LayoutNodeInput,
  layoutMachine,
  type MachineLayout,
  type Point,
  type Size,
  SPACING,
} from '../core/graph-layout.ts';
import type { GraphMachine, GraphState, WorkflowGraph } from '../core/graph-model.ts';
import type { WorkflowName } from '../core/workflow-definitions.ts';

/** One workflow on the page. */
export interface PageWorkflow {
  readonly graph: WorkflowGraph;
  readonly heading: string;
  /** One line under the heading: whose path this is. */
  readonly note: string;
  /** The execution drawn, when the path is a run's. */
  readonly execution?: {
    readonly arn: string;
    readonly deploymentId: string;
    readonly status: string;
    readonly startedAt: string;
  };
}

export interface GraphPage {
  readonly title: string;
  readonly subtitle: string;
  readonly project: string;
  readonly environment?: string;
  readonly mode: string;
  /** `plan`: the path the plan traces for the mode; `execution`: the paths runs took. */
  readonly source: 'plan' | 'execution';
  readonly workflows: readonly PageWorkflow[];
}

/** The JSON summary embedded in the page. */
export function graphSummary(page: GraphPage) {
  const workflows: Partial<Record<WorkflowName, unknown>> = {};
  for (const { graph, execution } of page.workflows) {
    workflows[graph.workflow] = {
      path: graph.highlight.path,
      failed: graph.highlight.failed,
      errors: graph.highlight.errors,
      decisions: graph.highlight.decisions,
      ...(execution ? { execution } : {}),
    };
  }
  return {
    project: page.project,
    ...(page.environment !== undefined ? { environment: page.environment } : {}),
    mode: page.mode,
    source: page.source,
    workflows,
  };
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** JSON that cannot end the script element it is in. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value, null, 2)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

// Text is measured by estimate (the page is laid out before any browser sees it): widths per
// character of the Arial-metric fonts the page asks for first, slightly generous.
const SANS = '"Helvetica Neue", Helvetica, Arial, "Liberation Sans", "Segoe UI", system-ui, sans-serif';
const MONO = '"DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas, ui-monospace, monospace';

function sansWidth(text: string, size: number, bold = false): number {
  let em = 0;
  for (const char of text) {
    if (/[iljtfrI.,:;'|! ()[\]]/.test(char)) em += 0.3;
    else if (/[mwMW]/.test(char)) em += 0.86;
    else if (/[A-Z]/.test(char)) em += 0.7;
    else if (/[0-9]/.test(char)) em += 0.56;
    else em += 0.56;
  }
  return em * size * (bold ? 1.08 : 1) * 1.04;
}

function monoWidth(text: string, size: number): number {
  return [...text].length * size * 0.61;
}

const BOX = {
  minWidth: 110,
  maxWidth: 290,
  padX: 12,
  padTop: 8,
  padBottom: 8,
  strip: 5,
} as const;

type LineKind = 'name' | 'meta' | 'setting' | 'decision' | 'error' | 'catch';

interface Line {
  readonly kind: LineKind;
  readonly text: string;
  /** Emphasised: a Catch transition that was taken. */
  readonly taken?: boolean;
}

const LINE: Readonly<Record<LineKind, { size: number; height: number; mono?: boolean; bold?: boolean }>> = {
  name: { size: 13, height: 17, bold: true },
  meta: { size: 10.5, height: 14 },
  setting: { size: 10.5, height: 14, mono: true },
  decision: { size: 11, height: 15, bold: true },
  error: { size: 11, height: 15, bold: true },
  catch: { size: 10, height: 14 },
};

function lineWidth(line: Line): number {
  const style = LINE[line.kind];
  return style.mono ? monoWidth(line.text, style.size) : sansWidth(line.text, style.size, style.bold);
}

function metaOf(state: GraphState): string {
  if (state.type === 'Parallel')
    return state.children.length === 1
      ? 'Parallel · one branch'
      : `Parallel · ${state.children.length} branches at once`;
  if (state.type === 'Map') return `Map · once per item${state.itemsPath ? ` of ${state.itemsPath}` : ''}`;
  return state.resource ? `${state.type} · ${state.resource}` : state.type;
}

function linesOf(state: GraphState): Line[] {
  const lines: Line[] = [
    { kind: 'name', text: state.name },
    { kind: 'meta', text: metaOf(state) },
  ];
  for (const setting of state.settings)
    lines.push({ kind: 'setting', text: `${setting.key} = ${setting.value}` });
  for (const next of state.decision ?? []) lines.push({ kind: 'decision', text: `→ ${next}` });
  if (state.failed) lines.push({ kind: 'error', text: `✗ failed${state.error ? `: ${state.error}` : ''}` });
  const catches = state.edges.filter((edge) => edge.kind === 'catch');
  if (catches.length > 0) {
    const taken = catches.some((edge) => edge.onPath);
    lines.push({
      kind: 'catch',
      text: `on error → ${catches.map((edge) => edge.to).join(', ')}${taken ? ' (taken)' : ''}`,
      taken,
    });
  }
  return lines;
}

function boxSize(lines: readonly Line[]): Size {
  const widest = Math.max(...lines.map(lineWidth));
  const width = Math.min(BOX.maxWidth, Math.max(BOX.minWidth, Math.ceil(widest + 2 * BOX.padX + BOX.strip)));
  const height = BOX.padTop + lines.reduce((sum, line) => sum + LINE[line.kind].height, 0) + BOX.padBottom;
  return { width, height };
}

/** Shortens a line to what fits the box (the full text is in the state's tooltip). */
function fitted(line: Line, width: number): string {
  const room = width - 2 * BOX.padX - BOX.strip;
  if (lineWidth(line) <= room) return line.text;
  const chars = [...line.text];
  while (chars.length > 1 && lineWidth({ ...line, text: `${chars.join('')}…` }) > room) chars.pop();
  return `${chars.join('')}…`;
}

function layoutInput(machine: GraphMachine): LayoutMachineInput {
  return {
    start: machine.startAt,
    nodes: machine.states.map(
      (state): LayoutNodeInput => ({
        id: state.name,
        size: boxSize(linesOf(state)),
        edges: state.edges.map((edge) => ({ to: edge.to, kind: edge.kind === 'catch' ? 'rank' : 'flow' })),
        ...(state.children.length > 0 ? { machines: state.children.map(layoutInput) } : {}),
        ...(state.children.length === 1 && state.type === 'Parallel' ? { frameLabel: 4 } : {}),
      }),
    ),
  };
}

const fmt = (n: number) => (Math.round(n * 10) / 10).toString();

/** A path through the points: straight down inside a layer, a smooth S between layers. */
function edgePath(points: readonly Point[]): string {
  const first = points[0] as Point;
  let d = `M${fmt(first.x)},${fmt(first.y)}`;
  for (let i = 1; i < points.length; i += 1) {
    const a = points[i - 1] as Point;
    const b = points[i] as Point;
    if (a.x === b.x) d += ` L${fmt(b.x)},${fmt(b.y)}`;
    else {
      const mid = (a.y + b.y) / 2;
      d += ` C${fmt(a.x)},${fmt(mid)} ${fmt(b.x)},${fmt(mid)} ${fmt(b.x)},${fmt(b.y)}`;
    }
  }
  return d;
}

/** A loop back up: out of one side of the source, round and into the same side of the target. */
function loopPath(points: readonly Point[], side: 'left' | 'right'): string {
  const from = points[0] as Point;
  const to = points[1] as Point;
  const reach = SPACING.machinePadX - 6;
  const out = side === 'left' ? Math.min(from.x, to.x) - reach : Math.max(from.x, to.x) + reach;
  return `M${fmt(from.x)},${fmt(from.y)} C${fmt(out)},${fmt(from.y)} ${fmt(out)},${fmt(to.y)} ${fmt(to.x)},${fmt(to.y)}`;
}

interface DrawContext {
  readonly workflow: WorkflowName;
  readonly out: string[];
}

function drawEdges(machine: GraphMachine, layout: MachineLayout, context: DrawContext): void {
  const byName = new Map(machine.states.map((state) => [state.name, state]));
  const ordered = [...layout.edges].sort(
    (a, b) => Number(onPathEdge(byName, a)) - Number(onPathEdge(byName, b)),
  );
  for (const edge of ordered) {
    const on = onPathEdge(byName, edge);
    const kind = byName.get(edge.from)?.edges.find((candidate) => candidate.to === edge.to)?.kind ?? 'next';
    const classes = [
      'edge',
      on ? 'edge--on' : 'edge--off',
      `edge--${kind}`,
      ...(edge.loop ? ['edge--loop'] : []),
    ];
    context.out.push(
      `<path class="${classes.join(' ')}" d="${edge.loop ? loopPath(edge.points, edge.side ?? 'left') : edgePath(edge.points)}" marker-end="url(#arrow-${context.workflow}-${on ? 'on' : 'off'})" data-from="${escapeHtml(edge.from)}" data-to="${escapeHtml(edge.to)}" data-edge-taken="${on}"/>`,
    );
  }
}

function onPathEdge(byName: ReadonlyMap<string, GraphState>, edge: EdgeLayout): boolean {
  return (
    byName.get(edge.from)?.edges.some((candidate) => candidate.to === edge.to && candidate.onPath) ?? false
  );
}

function tooltip(state: GraphState): string {
  const parts = [`${state.name} (${metaOf(state)})`];
  if (state.comment) parts.push(state.comment);
  for (const setting of state.settings) parts.push(`${setting.key} = ${setting.value}`);
  if (state.decision) parts.push(`went to ${state.decision.join(', ')}`);
  if (state.failed) parts.push(`failed${state.error ? `: ${state.error}` : ''}`);
  return parts.join('\n');
}

function drawState(state: GraphState, node: MachineLayout['nodes'][number], context: DrawContext): void {
  const lines = linesOf(state);
  const classes = [
    'state',
    `state--${state.type.toLowerCase().replace(/[^a-z]/g, '')}`,
    state.onPath ? 'state--on' : 'state--off',
    ...(state.failed ? ['state--failed'] : []),
    ...(state.children.length > 0 ? ['state--container'] : []),
  ];
  const header = boxSize(lines).height;
  const out = context.out;
  out.push(
    `<g class="${classes.join(' ')}" data-state="${escapeHtml(state.name)}" data-workflow="${context.workflow}" data-type="${escapeHtml(state.type)}" data-on-path="${state.onPath}" data-failed="${state.failed}" transform="translate(${fmt(node.x)},${fmt(node.y)})">`,
    `<title>${escapeHtml(tooltip(state))}</title>`,
    `<rect class="box" width="${fmt(node.width)}" height="${fmt(node.height)}" rx="7"/>`,
    `<rect class="strip" width="${BOX.strip}" height="${fmt(state.children.length > 0 ? header : node.height)}" rx="2"/>`,
  );
  let y = BOX.padTop;
  for (const line of lines) {
    const style = LINE[line.kind];
    y += style.height;
    const cls = `t t--${line.kind}${line.taken ? ' t--taken' : ''}`;
    out.push(
      `<text class="${cls}" x="${BOX.padX + BOX.strip}" y="${fmt(y - style.height * 0.28)}">${escapeHtml(fitted(line, node.width))}</text>`,
    );
  }
  node.frames.forEach((frame, index) => {
    const child = state.children[index];
    if (!child) return;
    const label =
      state.type === 'Map'
        ? `each item${state.itemsPath ? ` of ${state.itemsPath}` : ''}`
        : node.frames.length > 1
          ? `branch ${index + 1} of ${node.frames.length}`
          : '';
    out.push(
      `<g class="frame frame--${state.type === 'Map' ? 'map' : 'branch'}" transform="translate(${fmt(frame.x)},${fmt(frame.y)})">`,
      `<rect class="frame-box" width="${fmt(frame.width)}" height="${fmt(frame.height)}" rx="6"/>`,
      ...(label ? [`<text class="frame-label" x="8" y="14">${escapeHtml(label)}</text>`] : []),
      `<g transform="translate(0,${frame.label})">`,
    );
    drawMachine(child, frame.machine, context);
    out.push('</g></g>');
  });
  out.push('</g>');
}

function drawMachine(machine: GraphMachine, layout: MachineLayout, context: DrawContext): void {
  drawEdges(machine, layout, context);
  const byName = new Map(machine.states.map((state) => [state.name, state]));
  for (const node of layout.nodes) {
    const state = byName.get(node.id);
    if (state) drawState(state, node, context);
  }
}

/** The SVG of one workflow, and its size. */
export function workflowSvg(graph: WorkflowGraph): { svg: string; width: number; height: number } {
  const layout = layoutMachine(layoutInput(graph.machine));
  const context: DrawContext = { workflow: graph.workflow, out: [] };
  drawMachine(graph.machine, layout, context);
  const width = Math.ceil(layout.width);
  const height = Math.ceil(layout.height);
  const marker = (state: 'on' | 'off') =>
    `<marker id="arrow-${graph.workflow}-${state}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path class="arrow arrow--${state}" d="M0,1 L10,5 L0,9 z"/></marker>`;
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="graph" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(`${graph.workflow} workflow`)}">`,
    `<defs>${marker('on')}${marker('off')}</defs>`,
    ...context.out,
    '</svg>',
  ].join('\n');
  return { svg, width, height };
}

const STYLE = `
:root { color-scheme: light; --on: #2563eb; --on-fill: #eef4ff; --off: #c4ccd8; --failed: #dc2626; --ink: #1e293b; --muted: #64748b; }
* { box-sizing: border-box; }
body { margin: 0; font-family: ${SANS}; color: var(--ink); background: #f8fafc; }
header { position: sticky; top: 0; z-index: 1; padding: 14px 24px 10px; background: #fff; border-bottom: 1px solid #e2e8f0; box-shadow: 0 1px 4px rgb(15 23 42 / 6%); }
h1 { margin: 0 0 4px; font-size: 20px; }
.subtitle { margin: 0; color: var(--muted); font-size: 14px; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 18px; align-items: center; margin-top: 12px; font-size: 12.5px; color: #334155; }
.legend span { display: inline-flex; align-items: center; gap: 6px; }
.sw { display: inline-block; width: 26px; height: 14px; border-radius: 4px; border: 1.5px solid var(--off); background: #fff; }
.sw--on { border: 2px solid var(--on); background: var(--on-fill); }
.sw--failed { border: 2.5px solid var(--failed); background: #fef2f2; }
.sw--branch { border: 1.5px solid #d8dee8; background: #fbfcfe; }
.sw--map { border: 1.5px dashed #0f766e; background: #f4fbfa; }
.ln { display: inline-block; width: 28px; height: 0; border-top: 2.5px solid var(--on); }
.ln--off { border-top: 1.5px solid var(--off); }
.ln--loop { border-top: 1.5px dashed #94a3b8; }
.strip-sw { display: inline-block; width: 6px; height: 14px; border-radius: 2px; }
.fit { display: inline-block; margin-top: 10px; padding: 3px 10px; font-size: 12.5px; border: 1px solid #cbd5e1; border-radius: 6px; background: #fff; cursor: pointer; user-select: none; }
#fit:checked ~ header .fit { background: var(--on); border-color: var(--on); color: #fff; }
main { padding: 8px 24px 32px; }
section.workflow { margin-top: 18px; }
h2 { font-size: 17px; margin: 0 0 2px; }
.note { margin: 0 0 8px; color: var(--muted); font-size: 13px; }
.canvas { overflow: auto; background: #fff; border: 1px solid #e2e8f0; border-radius: 8px; }
#fit:checked ~ main svg.graph { width: 100%; height: auto; }
table.decisions { border-collapse: collapse; margin-top: 10px; font-size: 12.5px; background: #fff; }
table.decisions th, table.decisions td { border: 1px solid #e2e8f0; padding: 3px 8px; text-align: left; vertical-align: top; }
table.decisions th { background: #f1f5f9; }
code { font-family: ${MONO}; font-size: 12px; }
svg.graph { display: block; font-family: ${SANS}; }
.box { fill: #fff; stroke: var(--off); stroke-width: 1.3; }
.state--on > .box { fill: var(--on-fill); stroke: var(--on); stroke-width: 2.2; }
.state--failed > .box { fill: #fef2f2; stroke: var(--failed); stroke-width: 3; }
.state--container > .box { fill: #fbfcfe; }
.state--container.state--on > .box { fill: #f6f9ff; }
.strip { fill: #94a3b8; }
.state--task > .strip { fill: #2563eb; }
.state--choice > .strip { fill: #d97706; }
.state--parallel > .strip { fill: #7c3aed; }
.state--map > .strip { fill: #0f766e; }
.state--wait > .strip { fill: #64748b; }
.state--pass > .strip { fill: #a3a3a3; }
.state--succeed > .strip { fill: #16a34a; }
.state--fail > .strip { fill: #b91c1c; }
.state--off > .strip { opacity: 0.45; }
.t { fill: #475569; font-size: 10.5px; }
.t--name { font-size: 13px; font-weight: 700; fill: #334155; }
.state--off > .t--name { fill: #64748b; font-weight: 600; }
.state--on > .t--name { fill: #1e3a8a; }
.state--failed > .t--name { fill: #991b1b; }
.t--meta { fill: #64748b; }
.t--setting { font-family: ${MONO}; fill: #0f172a; }
.state--off > .t--setting { fill: #64748b; }
.t--decision { font-size: 11px; font-weight: 700; fill: var(--on); }
.t--error { font-size: 11px; font-weight: 700; fill: var(--failed); }
.t--catch { font-size: 10px; font-style: italic; fill: #94a3b8; }
.t--catch.t--taken { fill: var(--failed); font-weight: 700; font-style: normal; }
.frame-box { fill: #fbfcfe; stroke: #d8dee8; stroke-width: 1.2; }
.frame--map > .frame-box { fill: #f4fbfa; stroke: #0f766e; stroke-dasharray: 5 3; }
.frame-label { font-size: 10.5px; fill: #64748b; font-style: italic; }
.edge { fill: none; }
.edge--off { stroke: var(--off); stroke-width: 1.4; }
.edge--on { stroke: var(--on); stroke-width: 2.4; }
.edge--loop { stroke-dasharray: 5 4; }
.edge--loop.edge--off { stroke: #94a3b8; }
.arrow--on { fill: var(--on); }
.arrow--off { fill: #aab4c3; }
`;

function legend(): string {
  const strip = (color: string, label: string) =>
    `<span><i class="strip-sw" style="background:${color}"></i>${label}</span>`;
  return [
    '<div class="legend">',
    '<span><i class="sw sw--on"></i>on the path</span>',
    '<span><i class="sw"></i>not taken</span>',
    '<span><i class="sw sw--failed"></i>failed step</span>',
    '<span><i class="ln"></i>transition taken</span>',
    '<span><i class="ln ln--off"></i>not taken</span>',
    '<span><i class="ln ln--loop"></i>loop: wait, then look again</span>',
    '<span><i class="sw sw--branch"></i>Parallel branch</span>',
    '<span><i class="sw sw--map"></i>Map: once per item</span>',
    strip('#2563eb', 'Task'),
    strip('#d97706', 'Choice'),
    strip('#a3a3a3', 'Pass'),
    strip('#64748b', 'Wait'),
    strip('#16a34a', 'Succeed'),
    strip('#b91c1c', 'Fail'),
    '<span>“setting = value”: the mode’s settings that drive the step · “→ X”: the way a Choice went</span>',
    '</div>',
  ].join('\n');
}

function decisionsTable(graph: WorkflowGraph): string {
  const rows = collectChoices(graph.machine).filter((state) => state.decision !== undefined);
  if (rows.length === 0) return '';
  return [
    '<table class="decisions"><thead><tr><th>Choice</th><th>went to</th><th>settings</th></tr></thead><tbody>',
    ...rows.map(
      (state) =>
        `<tr><td><code>${escapeHtml(state.name)}</code></td><td><code>${escapeHtml((state.decision ?? []).join(', '))}</code></td><td><code>${escapeHtml(state.settings.map((s) => `${s.key}=${s.value}`).join(' '))}</code></td></tr>`,
    ),
    '</tbody></table>',
  ].join('\n');
}

function collectChoices(machine: GraphMachine): GraphState[] {
  return machine.states.flatMap((state) => [
    ...(state.type === 'Choice' ? [state] : []),
    ...state.children.flatMap(collectChoices),
  ]);
}

/** The whole page. */
export function renderGraphPage(page: GraphPage): string {
  const sections = page.workflows.map(({ graph, heading, note }) => {
    const { svg } = workflowSvg(graph);
    return [
      `<section class="workflow" id="workflow-${graph.workflow}">`,
      `<h2>${escapeHtml(heading)}</h2>`,
      `<p class="note">${escapeHtml(note)}</p>`,
      `<div class="canvas">${svg}</div>`,
      decisionsTable(graph),
      '</section>',
    ].join('\n');
  });
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(page.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    // Fitted by default, so the whole workflow is seen at once; unticked, the drawings are at full size.
    '<input type="checkbox" id="fit" hidden checked>',
    '<header>',
    `<h1>${escapeHtml(page.title)}</h1>`,
    `<p class="subtitle">${escapeHtml(page.subtitle)}</p>`,
    legend(),
    '<label class="fit" for="fit" title="On: the drawings fit the window’s width. Off: full size, scroll to read">Fit to window width</label>',
    '</header>',
    '<main>',
    ...sections,
    '</main>',
    `<script type="application/json" id="modeshift-graph">${scriptJson(graphSummary(page))}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
