// End-to-end against the local AWS (moto) and headless Chromium: `modeshift graph` pages, opened
// with every network request blocked, highlight exactly the states the local engine entered.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadComposeFile } from '../../core/compose.ts';
import { buildDeployInput } from '../../core/execution-input.ts';
import { MODES, type Mode, resolvePolicy } from '../../core/policy.ts';
import { type WorkflowName, workflowDefinition } from '../../core/workflow-definitions.ts';
import { deployPath } from '../../core/workflow-paths.ts';
import type { WorkflowEvent } from '../../engine/run-workflow.ts';
import { deployOnTarget, downOnTarget, type RunOptions } from '../../local/run-workflows.ts';
import { LOCAL_STEPS } from '../../local/steps.ts';
import { EXAMPLE, useLocalAws } from '../e2e-emulator/local-aws.ts';
import { type HeadlessChromium, startChromium } from '../support/chromium.ts';
import { runCli } from '../support/cli.ts';

const aws = useLocalAws();
let chromium: HeadlessChromium | undefined;
let dir = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'modeshift-graph-'));
  // No skip: Chromium comes with the npm install (@sparticuz/chromium; test/support/chromium.ts).
  chromium = await startChromium();
});

afterAll(async () => {
  await chromium?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The states a run entered, collected from the engine's events. */
function entering() {
  const entered = new Set<string>();
  const onEvent = (event: WorkflowEvent) => {
    if (event.type === 'StateEntered' && event.state) entered.add(event.state);
  };
  return { entered, onEvent };
}

async function deployShop(mode: Mode, deploymentId: string, options: RunOptions = {}) {
  const composed = loadComposeFile(EXAMPLE, { environment: 'main', mode, deploymentId, variables: {} });
  return deployOnTarget(
    aws.target(),
    { ...composed, resolved: resolvePolicy(composed.request.mode) },
    options,
  );
}

/**
 * The Lambda step of the last Lambda Task a production deploy of the example
 * reaches (the failure path's own steps aside), and the Task states that run
 * it: a step failing late, so most of the path is drawn before the failure.
 */
function lateLambdaStep(): { step: string; states: string[] } {
  const steps = new Map<string, string>();
  const walk = (states: Record<string, AslJson>) => {
    for (const [name, state] of Object.entries(states)) {
      const step = /^\$\{(\w+)FunctionArn\}$/.exec(state.Resource ?? '')?.[1];
      if (step !== undefined && state.Type === 'Task') steps.set(name, step);
      for (const nested of [...(state.Branches ?? []), state.ItemProcessor ?? state.Iterator])
        if (nested) walk(nested.States);
    }
  };
  walk((workflowDefinition('deploy') as { States: Record<string, AslJson> }).States);
  const { request } = loadComposeFile(EXAMPLE, {
    environment: 'main',
    mode: 'production',
    deploymentId: 'plan',
    variables: {},
  });
  const path = deployPath(buildDeployInput(request, resolvePolicy(request.mode), new Date())).states;
  const state = [...path].reverse().find((name) => steps.has(name) && steps.get(name) !== 'DescribeFailure');
  const step = steps.get(state ?? '');
  if (step === undefined) throw new Error('the production deploy reaches no Lambda step');
  return { step, states: [...steps].filter(([, other]) => other === step).map(([name]) => name) };
}

interface AslJson {
  readonly Type: string;
  readonly Resource?: string;
  readonly Branches?: ReadonlyArray<{ readonly States: Record<string, AslJson> }>;
  readonly ItemProcessor?: { readonly States: Record<string, AslJson> };
  readonly Iterator?: { readonly States: Record<string, AslJson> };
}

interface OpenedPage {
  readonly page: Page;
  /** Every request the page tried that was not for the page itself (file:) or inline data (data:). */
  readonly attempted: string[];
}

async function openGraph(file: string): Promise<OpenedPage> {
  if (!chromium) throw new Error('Chromium did not start');
  const page = await chromium.context.newPage();
  const attempted: string[] = [];
  const local = (url: string) => url.startsWith('file:') || url.startsWith('data:');
  page.on('request', (request) => {
    if (!local(request.url())) attempted.push(request.url());
  });
  await page.route('**', (route) => (local(route.request().url()) ? route.continue() : route.abort()));
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return { page, attempted };
}

function highlighted(page: Page, workflow: WorkflowName): Promise<string[]> {
  return page.$$eval(`[data-workflow="${workflow}"][data-on-path="true"]`, (elements) =>
    elements.map((element) => element.getAttribute('data-state') ?? ''),
  );
}

function failedSteps(page: Page, workflow: WorkflowName): Promise<string[]> {
  return page.$$eval(`[data-workflow="${workflow}"][data-failed="true"]`, (elements) =>
    elements.map((element) => element.getAttribute('data-state') ?? ''),
  );
}

/** The states of a given type, as the page labels them. */
function statesOfType(page: Page, workflow: WorkflowName, type: string): Promise<string[]> {
  return page.$$eval(`[data-workflow="${workflow}"][data-type="${type}"]`, (elements) =>
    elements.map((element) => element.getAttribute('data-state') ?? ''),
  );
}

async function screenshot(page: Page, name: string): Promise<Buffer> {
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return readFileSync(path);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const sorted = (states: Iterable<string>) => [...states].sort();

describe.each(MODES)('graph page in Chromium — %s', (mode) => {
  it('highlights the states the engine entered, for the mode’s plan and for the environment’s runs', async () => {
    const deploy = entering();
    const down = entering();
    expect((await deployShop(mode, `graph-${mode}`, { onEvent: deploy.onEvent })).status).toBe('SUCCEEDED');
    const report = await downOnTarget(
      aws.target(),
      { project: 'shop', environment: 'main', confirm: 'main' },
      { onEvent: down.onEvent },
    );
    expect(report.status).toBe('SUCCEEDED');

    const planned = join(dir, `${mode}-plan.html`);
    const ran = join(dir, `${mode}-env.html`);
    expect((await runCli(['graph', '--mode', mode, '--out', planned])).code).toBe(0);
    const env = await runCli([
      'graph',
      ...['--env', 'main', '--project', 'shop', '--endpoint', aws.endpoint(), '--out', ran],
    ]);
    expect(env.code, env.stderr).toBe(0);

    const plan = await openGraph(planned);
    const runs = await openGraph(ran);
    expect((await screenshot(plan.page, `${mode}-plan`)).subarray(0, 8)).toEqual(PNG_SIGNATURE);
    expect((await screenshot(runs.page, `${mode}-env`)).length).toBeGreaterThan(10_000);

    // The runs' own page: exactly the states entered, nothing failed.
    expect(sorted(await highlighted(runs.page, 'deploy'))).toEqual(sorted(deploy.entered));
    expect(sorted(await highlighted(runs.page, 'down'))).toEqual(sorted(down.entered));
    expect(await failedSteps(runs.page, 'deploy')).toEqual([]);
    // The mode's page: the plan assumes every wait ends at the first look; on the emulator some
    // steps are looked at again after a Wait state, which is the only difference.
    for (const workflow of ['deploy', 'down'] as const) {
      const waits = new Set(await statesOfType(plan.page, workflow, 'Wait'));
      const entered = workflow === 'deploy' ? deploy.entered : down.entered;
      const shown = new Set(await highlighted(plan.page, workflow));
      expect([...shown].filter((state) => !entered.has(state))).toEqual([]);
      expect([...entered].filter((state) => !shown.has(state) && !waits.has(state))).toEqual([]);
    }
    expect([...plan.attempted, ...runs.attempted]).toEqual([]);
    await plan.page.close();
    await runs.page.close();
  });
});

describe('graph page in Chromium — a failed deploy', () => {
  it('marks the failed step red and highlights exactly the states the failed run entered', async () => {
    const deploy = entering();
    const late = lateLambdaStep();
    const lambdaSteps = {
      ...LOCAL_STEPS,
      [late.step]: async () => {
        throw Object.assign(new Error('injected: the step cannot do its work'), { name: 'Injected.Fault' });
      },
    };
    const report = await deployShop('production', 'graph-failed', { onEvent: deploy.onEvent, lambdaSteps });
    expect(report.status).toBe('FAILED');
    expect(late.states).toContain(report.failedState);

    const file = join(dir, 'failed.html');
    const result = await runCli([
      'graph',
      ...['--env', 'main', '--project', 'shop', '--endpoint', aws.endpoint(), '--out', file],
    ]);
    expect(result.code, result.stderr).toBe(0);
    const { page, attempted } = await openGraph(file);
    expect((await screenshot(page, 'failed')).subarray(0, 8)).toEqual(PNG_SIGNATURE);

    expect(await failedSteps(page, 'deploy')).toEqual([report.failedState]);
    expect(sorted(await highlighted(page, 'deploy'))).toEqual(sorted(deploy.entered));
    expect(await highlighted(page, 'down')).toEqual([]);
    // Drawn red: the failed step's box, as the browser styles it.
    const stroke = await page.evaluate(
      `getComputedStyle(document.querySelector('[data-workflow="deploy"][data-state="${report.failedState}"] > rect.box')).stroke`,
    );
    expect(stroke).toBe('rgb(220, 38, 38)');
    expect(attempted).toEqual([]);
    await page.close();
  });
});

describe('graph --env — an environment never deployed', () => {
  it('exits 1, naming the environment', async () => {
    const result = await runCli([
      'graph',
      ...[
        '--env',
        'nowhere',
        '--project',
        'shop',
        '--endpoint',
        aws.endpoint(),
        '--out',
        join(dir, 'x.html'),
      ],
    ]);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no environment shop\/nowhere is recorded/);
  });
});
