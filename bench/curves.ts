/**
 * Scaling curves: every run as a CSV row, and a hand-written SVG with wall
 * time, state transitions and the largest state against project size, one
 * line per mode (deploys solid, downs dashed).
 */
import type { Mode } from '../core/policy.ts';
import type { SizeLimits } from './limits.ts';
import type { MeasuredRun } from './pair.ts';

export function scalingCsv(runs: readonly MeasuredRun[], limits: readonly SizeLimits[]): string {
  const stateBytes = new Map(limits.map((entry) => [entry.services, entry.maxStateBytes]));
  const header = [
    'services',
    'mode',
    'workflow',
    'seconds',
    'lower_bound_seconds',
    'critical_path_ratio',
    'transitions',
    'history_events',
    'max_state_bytes',
    'lambda_invocations',
    'lambda_gb_seconds',
    'cost_usd',
    'codebuild_orchestrator_usd',
    'cost_ratio',
  ];
  const rows = runs.map((run) =>
    [
      run.services,
      run.mode,
      run.workflow,
      run.seconds.toFixed(1),
      run.lowerBound.seconds.toFixed(1),
      run.criticalPathRatio.toFixed(4),
      run.transitions,
      run.historyEvents,
      stateBytes.get(run.services) ?? '',
      run.lambdaInvocations,
      run.lambdaGbSeconds.toFixed(2),
      run.cost.total.toFixed(6),
      run.cost.codeBuild.toFixed(2),
      run.cost.ratio.toFixed(4),
    ].join(','),
  );
  return `${[header.join(','), ...rows].join('\n')}\n`;
}

const MODE_COLOURS: Readonly<Record<Mode, string>> = {
  development: '#2b8a3e',
  staging: '#e67700',
  production: '#1c7ed6',
};

interface Series {
  readonly label: string;
  readonly colour: string;
  readonly dashed: boolean;
  readonly points: ReadonlyArray<{ readonly services: number; readonly value: number }>;
}

const WIDTH = 300;
const HEIGHT = 220;
const MARGIN = { left: 58, right: 12, top: 28, bottom: 36 };

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** One chart: sizes evenly spaced (they grow roughly tenfold), values from zero to the largest. */
function chart(title: string, sizes: readonly number[], series: readonly Series[], x0: number): string {
  const max = Math.max(1, ...series.flatMap((line) => line.points.map((point) => point.value)));
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const xOf = (services: number) =>
    x0 +
    MARGIN.left +
    (sizes.length === 1 ? plotWidth / 2 : (sizes.indexOf(services) / (sizes.length - 1)) * plotWidth);
  const yOf = (value: number) => MARGIN.top + plotHeight - (value / max) * plotHeight;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((fraction) => max * fraction);
  const parts = [
    `<text x="${x0 + WIDTH / 2}" y="16" text-anchor="middle" font-weight="bold">${escapeXml(title)}</text>`,
    ...ticks.map(
      (tick) =>
        `<line x1="${x0 + MARGIN.left}" x2="${x0 + WIDTH - MARGIN.right}" y1="${yOf(tick)}" y2="${yOf(tick)}" stroke="#ddd"/>` +
        `<text x="${x0 + MARGIN.left - 4}" y="${yOf(tick) + 4}" text-anchor="end">${Math.round(tick).toLocaleString('en-US')}</text>`,
    ),
    ...sizes.map(
      (services) =>
        `<text x="${xOf(services)}" y="${HEIGHT - MARGIN.bottom + 14}" text-anchor="middle">${services}</text>`,
    ),
    `<text x="${x0 + MARGIN.left + plotWidth / 2}" y="${HEIGHT - 6}" text-anchor="middle">services</text>`,
    ...series.map((line) => {
      const points = line.points.map((point) => `${xOf(point.services)},${yOf(point.value)}`).join(' ');
      return `<polyline points="${points}" fill="none" stroke="${line.colour}" stroke-width="2"${line.dashed ? ' stroke-dasharray="5 3"' : ''}/>`;
    }),
  ];
  return parts.join('\n');
}

export function scalingSvg(runs: readonly MeasuredRun[], limits: readonly SizeLimits[]): string {
  const sizes = [...new Set(runs.map((run) => run.services))].sort((a, b) => a - b);
  const modes = [...new Set(runs.map((run) => run.mode))];
  const seriesOf = (value: (run: MeasuredRun) => number) =>
    modes.flatMap((mode) =>
      (['deploy', 'down'] as const).map((workflow) => ({
        label: `${mode} ${workflow}`,
        colour: MODE_COLOURS[mode],
        dashed: workflow === 'down',
        points: runs
          .filter((run) => run.mode === mode && run.workflow === workflow)
          .sort((a, b) => a.services - b.services)
          .map((run) => ({ services: run.services, value: value(run) })),
      })),
    );
  const bytes = limits.filter((entry) => sizes.includes(entry.services));
  const charts = [
    chart(
      'Wall time (modeled minutes)',
      sizes,
      seriesOf((run) => run.seconds / 60),
      0,
    ),
    chart(
      'State transitions',
      sizes,
      seriesOf((run) => run.transitions),
      WIDTH,
    ),
    chart(
      'Largest state (KiB)',
      sizes,
      [
        {
          label: 'deploy and down',
          colour: '#495057',
          dashed: false,
          points: bytes.map((entry) => ({ services: entry.services, value: entry.maxStateBytes / 1024 })),
        },
      ],
      2 * WIDTH,
    ),
  ];
  const legend = modes
    .flatMap((mode, index) => [
      `<line x1="${20 + index * 190}" x2="${44 + index * 190}" y1="${HEIGHT + 14}" y2="${HEIGHT + 14}" stroke="${MODE_COLOURS[mode]}" stroke-width="2"/>`,
      `<text x="${50 + index * 190}" y="${HEIGHT + 18}">${mode} (deploy; down dashed)</text>`,
    ])
    .join('\n');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${3 * WIDTH}" height="${HEIGHT + 30}" font-family="sans-serif" font-size="11" role="img">`,
    '<title>modeshift scaling: wall time, state transitions and largest state against the number of services, per mode</title>',
    '<rect width="100%" height="100%" fill="white"/>',
    ...charts,
    legend,
    '</svg>',
    '',
  ].join('\n');
}
