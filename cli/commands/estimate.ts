import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { formatProblem, InputError, isInputError, type Problem } from '../../core/errors.ts';
import {
  ASSUMPTION_LABELS,
  ASSUMPTION_NAMES,
  type AssumptionName,
  type Assumptions,
  DEFAULT_ASSUMPTIONS,
  estimateCost,
  type ModeEstimate,
  NOT_INCLUDED,
  parseAssumptions,
  parseSharedBy,
  showNumber,
  showUsd,
} from '../../core/estimate.ts';
import { MODES, type Mode, resolveMode } from '../../core/policy.ts';
import { BUNDLED_PRICES, mergePrices, type PriceTable, PriceTableError } from '../../core/prices.ts';
import { type LoadedRequest, loadRequest } from '../compose-options.ts';
import type { Io } from '../io.ts';
import { renderTable } from '../table.ts';

export interface EstimateCommandOptions {
  file: string;
  env: string;
  mode?: string;
  project?: string;
  set: string[];
  assume: string[];
  /** Environments of the mode sharing the project's network (`sharedBy`). @default 10 */
  sharedBy?: string;
  prices?: string;
  json?: boolean;
}

/** The environment name an estimate validates names with when --env is not given; the cost does not depend on it. */
export const ESTIMATE_ENVIRONMENT = 'main';

/** A `key=value` option that may be given many times. */
export const repeatable = (flags: string, description: string) =>
  new Option(flags, description)
    .argParser((value: string, previous: string[]) => [...previous, value])
    .default([]);

/** Reads a `--prices` file and merges it over the bundled table; problems name the file and the field. */
export function loadPrices(file: string | undefined, io: Io): PriceTable {
  if (file === undefined) return BUNDLED_PRICES;
  const path = resolve(io.cwd, file);
  if (!existsSync(path)) throw new PriceTableError([{ path: file, message: 'no such file' }]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new PriceTableError([{ path: file, message: `is not JSON (${(error as Error).message})` }], {
      cause: error,
    });
  }
  return mergePrices(BUNDLED_PRICES, parsed, file);
}

/** The stable JSON document `estimate --json` prints (documented in the README). */
export function estimateJson(
  prices: PriceTable,
  assumptions: Assumptions,
  estimates: readonly ModeEstimate[],
  single: boolean,
  warnings: readonly Problem[],
) {
  const [only] = estimates;
  const selected =
    single && only !== undefined
      ? {
          mode: only.mode,
          total: only.total,
          ...(only.scaledTotal !== undefined ? { scaledTotal: only.scaledTotal } : {}),
          items: only.items,
        }
      : { totals: Object.fromEntries(estimates.map((estimate) => [estimate.mode, estimate.total])) };
  return {
    region: prices.region,
    pricesAsOf: prices.asOf,
    currency: prices.currency,
    assumptions,
    ...selected,
    modes: estimates,
    warnings,
  };
}

/** Right-aligns a column of figures under its header so they read as numbers. */
function alignRight(header: string, cells: readonly string[]): string[] {
  const width = Math.max(header.length, ...cells.map((cell) => cell.length));
  return cells.map((cell) => cell.padStart(width));
}

export function renderModeEstimate(estimate: ModeEstimate): string {
  const quantities = alignRight(
    'quantity',
    estimate.items.map((i) => showNumber(i.quantity)),
  );
  const monthly = alignRight('monthly', [
    ...estimate.items.map((i) => i.monthly.toFixed(2)),
    estimate.total.toFixed(2),
  ]);
  const rows = estimate.items.map((i, n) => [
    i.resource,
    quantities[n] ?? '',
    i.unit,
    showUsd(i.unitPrice),
    monthly[n] ?? '',
    i.formula,
  ]);
  rows.push(['total', '', '', '', monthly.at(-1) ?? '', '']);
  const range =
    estimate.scaledTotal === undefined
      ? ''
      : `, up to US$ ${estimate.scaledTotal.toFixed(2)} with every autoscaled service at its maximum`;
  return `${estimate.mode}: US$ ${estimate.total.toFixed(2)} per month${range}\n${renderTable(
    ['resource', 'quantity', 'unit', 'unit price', 'monthly', 'how'],
    rows,
  )}`;
}

/** The option a changed assumption is marked with: `sharedBy` has one of its own. */
const changedWith = (name: AssumptionName) => (name === 'sharedBy' ? '--shared-by' : '--assume');

export function renderAssumptions(assumptions: Assumptions): string {
  return renderTable(
    ['assumption', 'value', 'meaning'],
    ASSUMPTION_NAMES.map((name) => [
      name,
      showNumber(assumptions[name]),
      `${ASSUMPTION_LABELS[name]}${assumptions[name] === DEFAULT_ASSUMPTIONS[name] ? '' : ` (${changedWith(name)})`}`,
    ]),
  );
}

/** The assumptions of `--assume` pairs, with `--shared-by` over them. */
export function assumptionsOf(options: Pick<EstimateCommandOptions, 'assume' | 'sharedBy'>): Assumptions {
  const assumptions = parseAssumptions(options.assume);
  return options.sharedBy === undefined
    ? assumptions
    : { ...assumptions, sharedBy: parseSharedBy(options.sharedBy) };
}

/** How an estimate is dated and sourced: printed with every figure. */
export function priceLine(prices: PriceTable): string {
  return `${prices.region} list prices as of ${prices.asOf}, ${prices.currency}`;
}

export function renderEstimate(
  loaded: LoadedRequest,
  prices: PriceTable,
  assumptions: Assumptions,
  estimates: readonly ModeEstimate[],
): string {
  const { project, environment } = loaded.request;
  const sections = [
    `Estimated monthly cost of ${project}/${environment} (${priceLine(prices)}; no AWS calls made)`,
    `Assumptions (change with --assume key=value, sharedBy with --shared-by N):\n${renderAssumptions(assumptions)}`,
    ...estimates.map(renderModeEstimate),
  ];
  if (estimates.length > 1) {
    sections.push(
      `Totals (US$ per month):\n${renderTable(
        estimates.map((e) => e.mode),
        [estimates.map((e) => e.total.toFixed(2))],
      )}`,
    );
  }
  sections.push(
    [
      'Not included:',
      ...NOT_INCLUDED.map((line) => `  - ${line}`),
      `Prices: ${priceLine(prices)} (core/prices.ts: a dated snapshot; override any figure with --prices FILE.json).`,
    ].join('\n'),
  );
  return `${sections.join('\n\n')}\n`;
}

/**
 * Loads the compose file once per mode: a request is validated for the mode it
 * is deployed in, and an override can suit one mode's policy and contradict
 * another's. A problem every mode shares is reported once, as it is; one that
 * only some modes have says which.
 */
export function loadPerMode(
  options: Pick<EstimateCommandOptions, 'file' | 'env' | 'project' | 'set'>,
  modes: readonly Mode[],
  io: Io,
): LoadedRequest[] {
  const attempts = modes.map((mode) => {
    try {
      const loaded = loadRequest(
        {
          file: options.file,
          env: options.env,
          mode,
          set: options.set,
          // An estimate uploads nothing: where a build context lies does not change it.
          allowContextOutside: true,
          ...(options.project !== undefined ? { project: options.project } : {}),
        },
        io,
      );
      return { mode, loaded };
    } catch (error) {
      if (!isInputError(error)) throw error;
      return { mode, error };
    }
  });
  const failed = attempts.flatMap((a) => (a.error === undefined ? [] : [{ mode: a.mode, error: a.error }]));
  const [first] = failed;
  if (first === undefined) return attempts.flatMap((a) => (a.loaded === undefined ? [] : [a.loaded]));
  const shared = (error: InputError) =>
    JSON.stringify(error.problems) === JSON.stringify(first.error.problems);
  if (failed.length === attempts.length && failed.every((f) => shared(f.error))) throw first.error;
  throw new InputError(
    failed.flatMap(({ mode, error }) =>
      error.problems.map((problem) => ({
        path: problem.path,
        message: `${problem.message} (in ${mode} mode)`,
      })),
    ),
  );
}

export function registerEstimate(program: Command, io: Io) {
  program
    .command('estimate')
    .description(
      'estimate the monthly AWS cost of a compose file in each mode (or one), itemised, from a dated price table; no AWS calls',
    )
    .requiredOption('-f, --file <compose.yaml>', 'compose file to estimate')
    .option('--env <name>', 'environment name (only names depend on it)', ESTIMATE_ENVIRONMENT)
    .option('--mode <mode>', 'estimate one mode (default: all three)')
    .option('--project <name>', "project name (default: the compose file's name)")
    .addOption(repeatable('--set <key=value>', 'override one policy setting (repeatable)'))
    .addOption(
      repeatable(
        '--assume <key=value>',
        `override one usage assumption (repeatable): ${ASSUMPTION_NAMES.join(', ')}`,
      ),
    )
    .option(
      '--shared-by <n>',
      `environments of the mode sharing the project's network, whose shared load balancer and NAT gateways cost is divided among them (default: ${DEFAULT_ASSUMPTIONS.sharedBy})`,
    )
    .option('--prices <file.json>', 'a partial price table (JSON) merged over the bundled one')
    .option('--json', 'print one machine-readable JSON document')
    .action((options: EstimateCommandOptions) => {
      const assumptions = assumptionsOf(options);
      const prices = loadPrices(options.prices, io);
      const modes = options.mode === undefined ? MODES : [resolveMode(options.mode)];
      const loads = loadPerMode(options, modes, io);
      const estimates = loads.map((loaded) =>
        estimateCost(loaded.request, loaded.resolved, prices, assumptions),
      );
      const [first] = loads;
      if (first === undefined) return;
      if (options.json) {
        const document = estimateJson(
          prices,
          assumptions,
          estimates,
          options.mode !== undefined,
          first.warnings,
        );
        io.stdout(`${JSON.stringify(document, null, 2)}\n`);
      } else {
        for (const warning of first.warnings) io.stderr(`warning: ${formatProblem(warning)}\n`);
        io.stdout(renderEstimate(first, prices, assumptions, estimates));
      }
    });
}
