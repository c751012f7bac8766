import { describe, expect, it } from 'vitest';
import {
  type LayoutMachineInput,
  layoutMachine,
  type MachineLayout,
  placeLayer,
} from '../../core/graph-layout.ts';

/** A chain with a fork, a merge, a loop back and a Parallel state holding two branches. */
const MACHINE: LayoutMachineInput = {
  start: 'Start',
  nodes: [
    { id: 'Start', size: { width: 120, height: 40 }, edges: [{ to: 'Fork', kind: 'flow' }] },
    {
      id: 'Fork',
      size: { width: 120, height: 40 },
      edges: [
        { to: 'Left', kind: 'flow' },
        { to: 'Right', kind: 'flow' },
      ],
    },
    { id: 'Left', size: { width: 160, height: 60 }, edges: [{ to: 'Both', kind: 'flow' }] },
    { id: 'Right', size: { width: 100, height: 40 }, edges: [{ to: 'Both', kind: 'flow' }] },
    {
      id: 'Both',
      size: { width: 140, height: 50 },
      edges: [
        { to: 'Again', kind: 'flow' },
        { to: 'Failed', kind: 'rank' },
      ],
      machines: [
        { start: 'A', nodes: [{ id: 'A', size: { width: 100, height: 40 }, edges: [] }] },
        {
          start: 'B',
          nodes: [
            { id: 'B', size: { width: 100, height: 40 }, edges: [{ to: 'C', kind: 'flow' }] },
            { id: 'C', size: { width: 100, height: 40 }, edges: [] },
          ],
        },
      ],
    },
    { id: 'Again', size: { width: 120, height: 40 }, edges: [{ to: 'Fork', kind: 'flow' }] },
    { id: 'Failed', size: { width: 120, height: 40 }, edges: [] },
  ],
};

function overlaps(layout: MachineLayout): string[] {
  const found: string[] = [];
  for (const a of layout.nodes)
    for (const b of layout.nodes)
      if (
        a.id < b.id &&
        a.x < b.x + b.width &&
        b.x < a.x + a.width &&
        a.y < b.y + b.height &&
        b.y < a.y + a.height
      )
        found.push(`${a.id}/${b.id}`);
  return found;
}

describe('layered layout', () => {
  it('puts every state below the states that lead to it, a loop back aside', () => {
    const layout = layoutMachine(MACHINE);
    const at = (id: string) => layout.nodes.find((node) => node.id === id);

    expect(at('Start')?.layer).toBe(0);
    expect(at('Fork')?.layer).toBe(1);
    expect([at('Left')?.layer, at('Right')?.layer]).toEqual([2, 2]);
    expect(at('Both')?.layer).toBe(3);
    expect(at('Failed')?.layer).toBe(4);
    expect(layout.edges.find((edge) => edge.from === 'Again' && edge.to === 'Fork')?.loop).toBe(true);
    expect(layout.edges.some((edge) => edge.to === 'Failed')).toBe(false);
  });

  it('overlaps no two states, in any machine, and keeps them inside it', () => {
    const layout = layoutMachine(MACHINE);
    const both = layout.nodes.find((node) => node.id === 'Both');

    expect(overlaps(layout)).toEqual([]);
    for (const frame of both?.frames ?? []) expect(overlaps(frame.machine)).toEqual([]);
    for (const node of layout.nodes) {
      expect(node.x).toBeGreaterThanOrEqual(0);
      expect(node.x + node.width).toBeLessThanOrEqual(layout.width);
      expect(node.y + node.height).toBeLessThanOrEqual(layout.height);
    }
  });

  it('sizes a container to hold its machines side by side', () => {
    const both = layoutMachine(MACHINE).nodes.find((node) => node.id === 'Both');
    const [first, second] = both?.frames ?? [];

    expect(both?.frames).toHaveLength(2);
    expect(second && first ? second.x : 0).toBeGreaterThanOrEqual((first?.x ?? 0) + (first?.width ?? 0));
    expect(both?.width).toBeGreaterThanOrEqual((second?.x ?? 0) + (second?.width ?? 0));
    expect(both?.height).toBeGreaterThan(50 + (second?.machine.height ?? 0));
  });

  it('lays out the same graph the same way', () => {
    expect(layoutMachine(MACHINE)).toEqual(layoutMachine(MACHINE));
  });

  it('places a layer as near the wanted centres as the gaps allow, the highest priority first', () => {
    expect(placeLayer([50, 50], [100, 100, 100], [1, 1, 1])).toEqual([50, 100, 150]);
    expect(placeLayer([50, 50], [100, 100, 400], [1, 1, 1])).toEqual([75, 125, 400]);
    expect(placeLayer([50], [0, 300], [1, 1])).toEqual([0, 300]);
    expect(placeLayer([50], [100, 100], [1, 5])).toEqual([50, 100]);
  });
});
