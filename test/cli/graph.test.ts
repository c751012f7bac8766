import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPRESENTATIVE_COMPOSE } from '../../cli/commands/graph.ts';
import { escapeHtml } from '../../cli/graph-page.ts';
import { loadComposeFile } from '../../core/compose.ts';
import { buildDeployInput } from '../../core/execution-input.ts';
import { stateIndex } from '../../core/graph-model.ts';
import { MODES, type Mode, resolvePolicy } from '../../core/policy.ts';
import { type WorkflowName, workflowDefinition } from '../../core/workflow-definitions.ts';
import { deployPath, downPath } from '../../core/workflow-paths.ts';
import { stepSettings } from '../../state-machines/workflows.ts';
import { runCli } from '../support/cli.ts';

/** runCli's clock. */
const NOW = new Date('2026-11-26T07:00:00Z');

interface StateElement {
  readonly state: string;
  readonly workflow: string;
  readonly type: string;
  readonly onPath: boolean;
  readonly failed: boolean;
  /** The element's own markup (a container's up to its nested machines), for the text it shows. */
  readonly markup: string;
}

/** Where an element's own content ends: at its closing tag, or where a nested element starts. */
function ownEnd(html: string, from: number): number {
  const ends = [html.indexOf('</g>', from), html.indexOf('<g ', from)].filter((at) => at >= 0);
  return Math.min(...ends);
}

/** The elements that carry `data-state`, read from the page's markup (attribute values are escaped, so never hold a quote). */
function stateElements(html: string): StateElement[] {
  const elements: StateElement[] = [];
  for (const match of html.matchAll(/<g ([^>]*\bdata-state="[^"]*"[^>]*)>/g)) {
    const attributes = Object.fromEntries(
      [...(match[1] ?? '').matchAll(/([\w-]+)="([^"]*)"/g)].map((pair) => [pair[1], pair[2]]),
    );
    const start = match.index ?? 0;
    elements.push({
      state: attributes['data-state'] ?? '',
      workflow: attributes['data-workflow'] ?? '',
      type: attributes['data-type'] ?? '',
      onPath: attributes['data-on-path'] === 'true',
      failed: attributes['data-failed'] === 'true',
      markup: html.slice(start, ownEnd(html, start + match[0].length)),
    });
  }
  return elements;
}

function summaryOf(html: string) {
  const match = /<script type="application\/json" id="modeshift-graph">([\s\S]*?)<\/script>/.exec(html);
  return JSON.parse(match?.[1] ?? 'null');
}

function outFile(name = 'graph.html'): string {
  return join(mkdtempSync(join(tmpdir(), 'modeshift-graph-')), name);
}

async function graphOf(args: readonly string[]): Promise<string> {
  const out = outFile();
  const result = await runCli(['graph', ...args, '--out', out]);
  expect(result.code, result.stderr).toBe(0);
  return readFileSync(out, 'utf8');
}

/** The request the page draws without -f: the bundled example, as the command loads it. */
function representativeInput(mode: Mode) {
  const { request } = loadComposeFile(REPRESENTATIVE_COMPOSE, {
    environment: 'preview',
    mode,
    deploymentId: '20261126-070000',
    variables: {},
  });
  return buildDeployInput(request, resolvePolicy(request.mode), NOW);
}

const onPath = (elements: readonly StateElement[], workflow: WorkflowName) =>
  elements
    .filter((element) => element.workflow === workflow && element.onPath)
    .map((element) => element.state);

describe.each(MODES)('modeshift graph --mode %s', (mode) => {
  it('highlights exactly the states of the deploy and down paths plan traces', async () => {
    const html = await graphOf(['--mode', mode]);

    const elements = stateElements(html);
    const input = representativeInput(mode);
    expect(onPath(elements, 'deploy').sort()).toEqual([...deployPath(input).states].sort());
    expect(onPath(elements, 'down').sort()).toEqual([...downPath(input, NOW).states].sort());
    expect(elements.filter((element) => element.failed)).toEqual([]);
  });

  it('embeds the paths as JSON, in the order they are entered', async () => {
    const html = await graphOf(['--mode', mode]);

    const summary = summaryOf(html);
    const input = representativeInput(mode);
    expect(summary.mode).toBe(mode);
    expect(summary.workflows.deploy.path).toEqual(deployPath(input).states);
    expect(summary.workflows.down.path).toEqual(downPath(input, NOW).states);
    expect(summary.workflows.deploy.failed).toEqual([]);
  });
});

/** A state of the ASL, with the machines nested in it; read here as plain JSON, apart from the code under test. */
interface AslJson {
  readonly Type: string;
  readonly Resource?: string;
  readonly Choices?: ReadonlyArray<{ readonly Variable?: string }>;
  readonly Branches?: ReadonlyArray<{ readonly States: Record<string, AslJson> }>;
  readonly ItemProcessor?: { readonly States: Record<string, AslJson> };
  readonly Iterator?: { readonly States: Record<string, AslJson> };
}

function aslStates(workflow: WorkflowName): Array<[string, AslJson]> {
  const found: Array<[string, AslJson]> = [];
  const walk = (states: Record<string, AslJson>) => {
    for (const [name, state] of Object.entries(states)) {
      found.push([name, state]);
      for (const nested of [...(state.Branches ?? []), state.ItemProcessor ?? state.Iterator])
        if (nested) walk(nested.States);
    }
  };
  walk((workflowDefinition(workflow) as { States: Record<string, AslJson> }).States);
  return found;
}

const shownValue = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

describe('modeshift graph — the drawing', () => {
  it('draws every state of both workflows once, with each Parallel branch and Map processor framed', async () => {
    const html = await graphOf(['--mode', 'staging']);

    const elements = stateElements(html);
    let nested = 0;
    for (const workflow of ['deploy', 'down'] as const) {
      const index = stateIndex(workflowDefinition(workflow));
      const drawn = elements.filter((element) => element.workflow === workflow);
      expect(drawn.map((element) => element.state).sort()).toEqual([...index.types.keys()].sort());
      for (const element of drawn) expect(element.type).toBe(index.types.get(element.state));
      for (const [, state] of aslStates(workflow))
        nested += (state.Branches?.length ?? 0) + (state.ItemProcessor || state.Iterator ? 1 : 0);
    }
    expect(nested).toBeGreaterThan(0);
    expect(html.match(/<g class="frame /g)).toHaveLength(nested);
  });

  it.each(MODES)(
    'shows on each Choice the policy settings it reads, with the %s values, and the way it went',
    async (mode) => {
      const elements = stateElements(await graphOf(['--mode', mode]));
      const input = representativeInput(mode);
      const plans = { deploy: deployPath(input), down: downPath(input, NOW) };

      let checked = 0;
      for (const workflow of ['deploy', 'down'] as const) {
        for (const [name, state] of aslStates(workflow)) {
          if (state.Type !== 'Choice') continue;
          const markup = elements.find((e) => e.workflow === workflow && e.state === name)?.markup ?? '';
          for (const { Variable } of state.Choices ?? []) {
            const setting = /^\$(?:\.current)?\.policy\.(\w+)$/.exec(
              Variable ?? '',
            )?.[1] as keyof typeof input.policy;
            if (setting === undefined) continue;
            expect(markup).toContain(`${setting} = ${shownValue(input.policy[setting])}`);
            checked += 1;
          }
          for (const decision of plans[workflow].decisions.filter((d) => d.choice === name))
            expect(markup).toContain(`→ ${decision.next}`);
        }
      }
      expect(checked).toBeGreaterThan(0);
    },
  );

  it('shows on a Lambda step the policy settings its declaration reads, which its ASL does not name', async () => {
    const elements = stateElements(await graphOf(['--mode', 'development']));
    const policy = representativeInput('development').policy;

    const fromCode = new Set<string>();
    for (const [name, state] of aslStates('deploy')) {
      const step = /^\$\{(\w+)FunctionArn\}$/.exec(state.Resource ?? '')?.[1];
      if (step === undefined) continue;
      const markup = elements.find((e) => e.workflow === 'deploy' && e.state === name)?.markup ?? '';
      for (const setting of stepSettings(step)) {
        expect(markup).toContain(`${setting} = ${shownValue(policy[setting])}`);
        if (!JSON.stringify(state).includes(`policy.${setting}`)) fromCode.add(setting);
      }
    }
    // The database class and the ECS capacity reach their steps inside the whole policy.
    expect([...fromCode]).toEqual(expect.arrayContaining(['dbInstanceClass', 'capacityProvider']));
  });

  it('draws the mode-change guard and overrides when asked', async () => {
    const html = await graphOf([
      '--mode',
      'dev',
      '--previous-mode',
      'production',
      '--set',
      'natGateways=single',
    ]);

    const { request } = loadComposeFile(REPRESENTATIVE_COMPOSE, {
      environment: 'preview',
      mode: 'development',
      deploymentId: '20261126-070000',
      variables: {},
      overrides: { natGateways: 'single' },
    });
    const path = deployPath(
      buildDeployInput(request, resolvePolicy(request.mode, { natGateways: 'single' }), NOW),
      'production',
    );
    expect(summaryOf(html).workflows.deploy.path).toEqual(path.states);
    expect(path.states).not.toEqual(deployPath(representativeInput('development')).states);
    expect(html).toContain('natGateways = single');
  });

  it('needs nothing from the network: no external script, style, font, image or link', async () => {
    const html = await graphOf(['--mode', 'production']);

    expect(html).not.toMatch(/<link\b|<img\b|<iframe\b|@import|@font-face/i);
    expect(html).not.toMatch(/\b(?:src|href)\s*=/i);
    expect(html).not.toMatch(/url\((?!#)/);
    expect(html.match(/<script\b[^>]*>/g)).toEqual(['<script type="application/json" id="modeshift-graph">']);
  });

  it('escapes what it shows from the input', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'modeshift-graph-')), 'a<b>"c"&d');
    mkdirSync(dir);
    const compose = join(dir, 'compose.yaml');
    writeFileSync(compose, 'name: shop\nservices:\n  web:\n    image: nginx:1.27\n    ports: ["80"]\n');

    const html = await graphOf(['--mode', 'production', '-f', compose]);

    expect(html).toContain(escapeHtml(compose));
    expect(html).not.toContain('a<b>');
    expect(escapeHtml(`<script>"x" & 'y'`)).toBe('&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;');
  });

  it('draws the path of a request without builds, database or domain', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'modeshift-graph-'));
    const compose = join(dir, 'compose.yaml');
    writeFileSync(compose, 'name: tiny\nservices:\n  web:\n    image: nginx:1.27\n    ports: ["80"]\n');

    const summary = summaryOf(await graphOf(['--mode', 'development', '-f', compose]));

    const { request } = loadComposeFile(compose, {
      environment: 'preview',
      mode: 'development',
      deploymentId: '20261126-070000',
      variables: {},
    });
    const path = deployPath(buildDeployInput(request, resolvePolicy(request.mode), NOW));
    expect(summary.project).toBe('tiny');
    expect(summary.workflows.deploy.path).toEqual(path.states);
    expect(path.states).not.toEqual(deployPath(representativeInput('development')).states);
  });

  it('prints the JSON summary with --json', async () => {
    const out = outFile();
    const result = await runCli(['graph', '--mode', 'prod', '--out', out, '--json']);

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ out, mode: 'production', source: 'plan' });
  });
});

describe('modeshift graph — bad input', () => {
  it.each([
    [['--mode', 'staging', '--env', 'main'], '--mode'],
    [['--project', 'shop'], '--mode'],
    [['--mode', 'fast'], '--mode'],
    [['--env', 'main', '--project', 'shop', '--set', 'natGateways=single'], '--set'],
    [['--mode', 'staging', '--endpoint', 'http://127.0.0.1:1'], '--endpoint'],
  ])('exits 2 for %j, naming %s', async (args, option) => {
    const result = await runCli(['graph', ...args, '--out', outFile()]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error: ${option}`);
  });

  it('exits 2 without --out, naming it', async () => {
    const result = await runCli(['graph', '--mode', 'staging']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--out');
  });

  it('exits 1 when the page cannot be written', async () => {
    const result = await runCli([
      'graph',
      '--mode',
      'staging',
      '--out',
      join(outFile(), 'missing', 'g.html'),
    ]);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot write --out/);
  });
});
