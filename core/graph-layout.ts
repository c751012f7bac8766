/**
 * A layered, top-to-bottom layout of a state graph with nested machines, in
 * the manner of Sugiyama: loops are set aside, states are put in layers by
 * their longest path from the start, transitions that skip layers get
 * waypoints in the layers between, each layer is ordered to cross as few
 * transitions as it can (barycentres), and states are placed under the
 * median of what leads into them, long transitions and busy states first
 * (Sugiyama's priority method), so chains run straight.
 *
 * Nested machines (Parallel branches, a Map's item processor) are laid out
 * first, on their own, and their frames side by side make the container's
 * size: transitions never leave the machine they are in, so every machine
 * is one flat graph. Run at generation time, so the page needs no layout
 * code; deterministic, so the same workflow draws the same way.
 */

export interface Size {
  readonly width: number;
  readonly height: number;
}

export interface Point {
  readonly x: number;
  readonly y: number;
}

/**
 * A transition to lay out: `flow` is drawn; `rank` only keeps its target
 * below its source (a Catch, which the picture names in the state instead
 * of drawing a line across the whole workflow to the failure path).
 */
export interface LayoutEdgeInput {
  readonly to: string;
  readonly kind: 'flow' | 'rank';
}

export interface LayoutNodeInput {
  readonly id: string;
  /** The state's box; for a container, its header above the frames. */
  readonly size: Size;
  readonly edges: readonly LayoutEdgeInput[];
  /** Machines drawn inside the box, side by side (Parallel branches, a Map's processor). */
  readonly machines?: readonly LayoutMachineInput[];
  /** Room above each machine for its frame's label. @default SPACING.frameLabel */
  readonly frameLabel?: number;
}

export interface LayoutMachineInput {
  readonly start: string;
  readonly nodes: readonly LayoutNodeInput[];
}

export interface FrameLayout {
  /** Relative to the node. */
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  /** Room for the label above the machine, inside the frame. */
  readonly label: number;
  readonly machine: MachineLayout;
}

export interface NodeLayout {
  readonly id: string;
  /** Top-left corner, relative to the machine. */
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly layer: number;
  readonly frames: readonly FrameLayout[];
}

export interface EdgeLayout {
  readonly from: string;
  readonly to: string;
  /** From the source's bottom to the target's top, through the waypoints between; for a loop, side to side. */
  readonly points: readonly Point[];
  /** A transition back up (a wait loop), drawn around the side of the states it joins that the source is on. */
  readonly loop: boolean;
  /** For a loop: the side it runs along. */
  readonly side?: 'left' | 'right';
}

export interface MachineLayout {
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly NodeLayout[];
  readonly edges: readonly EdgeLayout[];
}

/** Spacing, in pixels. */
export const SPACING = {
  nodeGap: 22,
  waypointGap: 10,
  layerGap: 36,
  machinePadX: 18,
  machinePadY: 12,
  frameGap: 14,
  framePad: 8,
  frameLabel: 20,
} as const;

const ORDERING_SWEEPS = 12;
/** Odd, so the last sweep goes down. */
const PLACEMENT_SWEEPS = 5;

interface Vertex {
  readonly id: string;
  readonly width: number;
  readonly height: number;
  readonly waypoint: boolean;
  layer: number;
  order: number;
  x: number;
}

interface Segment {
  readonly upper: Vertex;
  readonly lower: Vertex;
}

/** The frames of a container, laid out, and the container's size. */
function layoutContainer(node: LayoutNodeInput): { size: Size; frames: FrameLayout[] } {
  const machines = (node.machines ?? []).map(layoutMachine);
  if (machines.length === 0) return { size: node.size, frames: [] };
  const label = node.frameLabel ?? SPACING.frameLabel;
  const frameHeight = Math.max(...machines.map((machine) => machine.height)) + label;
  const inner =
    machines.reduce((sum, machine) => sum + machine.width, 0) + SPACING.frameGap * (machines.length - 1);
  const width = Math.max(node.size.width, inner + 2 * SPACING.framePad);
  let x = (width - inner) / 2;
  const frames = machines.map((machine): FrameLayout => {
    const frame = { x, y: node.size.height, width: machine.width, height: frameHeight, label, machine };
    x += machine.width + SPACING.frameGap;
    return frame;
  });
  return { size: { width, height: node.size.height + frameHeight + SPACING.framePad }, frames };
}

/** Depth-first from the start: the order states are met in, and the transitions that lead back up (loops). */
function depthFirst(input: LayoutMachineInput): { preorder: Map<string, number>; back: Set<string> } {
  const byId = new Map(input.nodes.map((node) => [node.id, node]));
  const preorder = new Map<string, number>();
  const onStack = new Set<string>();
  const back = new Set<string>();
  const visit = (id: string) => {
    preorder.set(id, preorder.size);
    onStack.add(id);
    for (const edge of byId.get(id)?.edges ?? []) {
      if (!byId.has(edge.to)) continue;
      if (onStack.has(edge.to)) back.add(`${id}\u0000${edge.to}`);
      else if (!preorder.has(edge.to)) visit(edge.to);
    }
    onStack.delete(id);
  };
  if (byId.has(input.start)) visit(input.start);
  for (const node of input.nodes) if (!preorder.has(node.id)) visit(node.id);
  return { preorder, back };
}

/** Longest-path layers over the forward transitions. */
function assignLayers(
  input: LayoutMachineInput,
  forward: ReadonlyArray<{ from: string; to: string }>,
  preorder: ReadonlyMap<string, number>,
): Map<string, number> {
  const incoming = new Map<string, number>(input.nodes.map((node) => [node.id, 0]));
  for (const edge of forward) incoming.set(edge.to, (incoming.get(edge.to) ?? 0) + 1);
  const layer = new Map<string, number>(input.nodes.map((node) => [node.id, 0]));
  const ready = input.nodes.filter((node) => incoming.get(node.id) === 0).map((node) => node.id);
  const byPreorder = (a: string, b: string) => (preorder.get(a) ?? 0) - (preorder.get(b) ?? 0);
  ready.sort(byPreorder);
  while (ready.length > 0) {
    const id = ready.shift() as string;
    for (const edge of forward) {
      if (edge.from !== id) continue;
      layer.set(edge.to, Math.max(layer.get(edge.to) ?? 0, (layer.get(id) ?? 0) + 1));
      const left = (incoming.get(edge.to) ?? 0) - 1;
      incoming.set(edge.to, left);
      if (left === 0) {
        ready.push(edge.to);
        ready.sort(byPreorder);
      }
    }
  }
  return layer;
}

function crossings(layers: readonly Vertex[][], segments: readonly Segment[]): number {
  let count = 0;
  for (let l = 0; l + 1 < layers.length; l += 1) {
    const between = segments.filter((segment) => segment.upper.layer === l);
    for (let i = 0; i < between.length; i += 1) {
      for (let j = i + 1; j < between.length; j += 1) {
        const a = between[i] as Segment;
        const b = between[j] as Segment;
        if ((a.upper.order - b.upper.order) * (a.lower.order - b.lower.order) < 0) count += 1;
      }
    }
  }
  return count;
}

/** Reorders each layer by the mean position of its neighbours in the layer above (down) or below (up). */
function sweep(layers: Vertex[][], segments: readonly Segment[], down: boolean): void {
  const indices = layers.map((_, l) => l);
  for (const l of down ? indices.slice(1) : indices.slice(0, -1).reverse()) {
    const layer = layers[l] as Vertex[];
    const centre = new Map<Vertex, number>();
    for (const vertex of layer) {
      const neighbours = segments
        .filter((segment) => (down ? segment.lower === vertex : segment.upper === vertex))
        .map((segment) => (down ? segment.upper.order : segment.lower.order));
      centre.set(
        vertex,
        neighbours.length > 0 ? neighbours.reduce((a, b) => a + b, 0) / neighbours.length : vertex.order,
      );
    }
    layer.sort((a, b) => (centre.get(a) ?? 0) - (centre.get(b) ?? 0) || a.order - b.order);
    layer.forEach((vertex, index) => {
      vertex.order = index;
    });
  }
}

function orderLayers(layers: Vertex[][], segments: readonly Segment[]): void {
  let best = layers.map((layer) => [...layer]);
  let fewest = crossings(layers, segments);
  for (let i = 0; i < ORDERING_SWEEPS && fewest > 0; i += 1) {
    sweep(layers, segments, i % 2 === 0);
    const count = crossings(layers, segments);
    if (count < fewest) {
      fewest = count;
      best = layers.map((layer) => [...layer]);
    }
  }
  best.forEach((layer, l) => {
    layers[l] = layer;
    layer.forEach((vertex, index) => {
      vertex.order = index;
    });
  });
}

function gapBetween(a: Vertex, b: Vertex): number {
  return (a.width + b.width) / 2 + (a.waypoint || b.waypoint ? SPACING.waypointGap : SPACING.nodeGap);
}

/**
 * Centres for one layer, in its order (Sugiyama's priority method): each
 * vertex in turn, highest priority first, goes to its desired centre, or as
 * near as the vertices already placed allow — leaving room for those still
 * to come between them. A high-priority vertex (a waypoint of a long
 * transition, a state with many neighbours) is never moved by a lower one,
 * so chains stay straight and fans spread around them.
 */
export function placeLayer(
  gaps: readonly number[],
  desired: readonly number[],
  priority: readonly number[],
): number[] {
  const offsets: number[] = [0];
  for (let i = 1; i < desired.length; i += 1)
    offsets.push((offsets[i - 1] as number) + (gaps[i - 1] as number));
  // Neighbours that want the same centre with the same priority (a fan under one state) are
  // centred on it together rather than the first taking it and the rest pushed to one side.
  const wanted = [...desired];
  for (let i = 0; i < wanted.length; ) {
    let j = i;
    while (j + 1 < wanted.length && desired[j + 1] === desired[i] && priority[j + 1] === priority[i]) j += 1;
    const middle = ((offsets[i] as number) + (offsets[j] as number)) / 2;
    for (let k = i; k <= j; k += 1) wanted[k] = (desired[i] as number) + (offsets[k] as number) - middle;
    i = j + 1;
  }
  const placed: Array<number | undefined> = desired.map(() => undefined);
  const order = desired
    .map((_, i) => i)
    .sort((a, b) => (priority[b] as number) - (priority[a] as number) || a - b);
  for (const i of order) {
    let low = Number.NEGATIVE_INFINITY;
    let high = Number.POSITIVE_INFINITY;
    for (let j = i - 1; j >= 0; j -= 1) {
      const x = placed[j];
      if (x === undefined) continue;
      low = x + (offsets[i] as number) - (offsets[j] as number);
      break;
    }
    for (let k = i + 1; k < desired.length; k += 1) {
      const x = placed[k];
      if (x === undefined) continue;
      high = x - ((offsets[k] as number) - (offsets[i] as number));
      break;
    }
    placed[i] = Math.min(high, Math.max(low, wanted[i] as number));
  }
  return placed.map((x) => x as number);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Wider than any state's own box: a container. */
const WIDE = 300;

/**
 * Who yields: a long transition's waypoint keeps its line straight past
 * ordinary states, but a wide container (a Parallel state's branches) stays
 * under what leads into it and the transition bends around it.
 */
function priorityOf(vertex: Vertex, neighbours: number): number {
  return vertex.waypoint ? 50 : neighbours + Math.max(0, vertex.width - WIDE) / 20;
}

function placeVertices(layers: Vertex[][], segments: readonly Segment[]): void {
  for (const layer of layers) {
    let x = 0;
    layer.forEach((vertex, i) => {
      if (i > 0) x += gapBetween(layer[i - 1] as Vertex, vertex);
      vertex.x = x;
    });
  }
  const above = (vertex: Vertex) =>
    segments.filter((segment) => segment.lower === vertex).map((segment) => segment.upper);
  const below = (vertex: Vertex) =>
    segments.filter((segment) => segment.upper === vertex).map((segment) => segment.lower);
  const relayout = (layer: Vertex[], neighboursOf: (vertex: Vertex) => Vertex[]) => {
    const neighbours = layer.map(neighboursOf);
    const placed = placeLayer(
      layer.slice(1).map((vertex, i) => gapBetween(layer[i] as Vertex, vertex)),
      layer.map((vertex, i) => {
        const near = neighbours[i] as Vertex[];
        return near.length > 0 ? median(near.map((other) => other.x)) : vertex.x;
      }),
      layer.map((vertex, i) => priorityOf(vertex, (neighbours[i] as Vertex[]).length)),
    );
    layer.forEach((vertex, i) => {
      vertex.x = placed[i] as number;
    });
  };
  // Down, up, …, ending down: each state ends where what leads into it puts it.
  for (let i = 0; i < PLACEMENT_SWEEPS; i += 1) {
    if (i % 2 === 0) for (const layer of layers.slice(1)) relayout(layer, above);
    else for (const layer of layers.slice(0, -1).reverse()) relayout(layer, below);
  }
}

/** Lays out one machine; nested machines first. */
export function layoutMachine(input: LayoutMachineInput): MachineLayout {
  const containers = new Map(input.nodes.map((node) => [node.id, layoutContainer(node)]));
  const { preorder, back } = depthFirst(input);
  const known = new Set(input.nodes.map((node) => node.id));
  const all = input.nodes.flatMap((node) =>
    node.edges
      .filter((edge) => known.has(edge.to) && edge.to !== node.id)
      .map((edge) => ({ from: node.id, to: edge.to, kind: edge.kind })),
  );
  const isBack = (edge: { from: string; to: string }) => back.has(`${edge.from}\u0000${edge.to}`);
  const forward = all.filter((edge) => !isBack(edge));
  const layerOf = assignLayers(input, forward, preorder);

  const vertices = new Map<string, Vertex>();
  for (const node of input.nodes) {
    const size = containers.get(node.id)?.size ?? node.size;
    vertices.set(node.id, {
      id: node.id,
      width: size.width,
      height: size.height,
      waypoint: false,
      layer: layerOf.get(node.id) ?? 0,
      order: preorder.get(node.id) ?? 0,
      x: 0,
    });
  }
  const segments: Segment[] = [];
  const chains = new Map<string, Vertex[]>();
  const drawn = forward.filter((edge, i) => {
    if (edge.kind !== 'flow') return false;
    return forward.findIndex((other) => other.from === edge.from && other.to === edge.to) === i;
  });
  for (const edge of drawn) {
    const from = vertices.get(edge.from) as Vertex;
    const to = vertices.get(edge.to) as Vertex;
    const chain: Vertex[] = [from];
    for (let layer = from.layer + 1; layer < to.layer; layer += 1) {
      const waypoint: Vertex = {
        id: `${edge.from}\u0000${edge.to}\u0000${layer}`,
        width: 0,
        height: 0,
        waypoint: true,
        layer,
        order: from.order + 0.5,
        x: 0,
      };
      vertices.set(waypoint.id, waypoint);
      chain.push(waypoint);
    }
    chain.push(to);
    for (let i = 0; i + 1 < chain.length; i += 1)
      segments.push({ upper: chain[i] as Vertex, lower: chain[i + 1] as Vertex });
    chains.set(`${edge.from}\u0000${edge.to}`, chain);
  }

  // A Catch into the next layer is not drawn but still pulls its target near its source.
  for (const edge of forward) {
    if (edge.kind !== 'rank') continue;
    const from = vertices.get(edge.from) as Vertex;
    const to = vertices.get(edge.to) as Vertex;
    if (to.layer === from.layer + 1 && !segments.some((s) => s.upper === from && s.lower === to))
      segments.push({ upper: from, lower: to });
  }

  const depth = Math.max(0, ...[...vertices.values()].map((vertex) => vertex.layer)) + 1;
  const layers: Vertex[][] = Array.from({ length: depth }, () => []);
  for (const vertex of vertices.values()) layers[vertex.layer]?.push(vertex);
  for (const layer of layers) {
    layer.sort((a, b) => a.order - b.order);
    layer.forEach((vertex, index) => {
      vertex.order = index;
    });
  }
  orderLayers(layers, segments);
  placeVertices(layers, segments);

  const left = Math.min(...[...vertices.values()].map((vertex) => vertex.x - vertex.width / 2));
  const right = Math.max(...[...vertices.values()].map((vertex) => vertex.x + vertex.width / 2));
  const shift = SPACING.machinePadX - left;
  const tops: number[] = [];
  const heights = layers.map((layer) => Math.max(0, ...layer.map((vertex) => vertex.height)));
  let y = SPACING.machinePadY;
  for (const height of heights) {
    tops.push(y);
    y += height + SPACING.layerGap;
  }
  const height = y - SPACING.layerGap + SPACING.machinePadY;

  const nodes = input.nodes.map((node): NodeLayout => {
    const vertex = vertices.get(node.id) as Vertex;
    return {
      id: node.id,
      x: vertex.x + shift - vertex.width / 2,
      y: tops[vertex.layer] ?? 0,
      width: vertex.width,
      height: vertex.height,
      layer: vertex.layer,
      frames: containers.get(node.id)?.frames ?? [],
    };
  });
  const box = new Map(nodes.map((node) => [node.id, node]));
  const edges: EdgeLayout[] = [];
  for (const edge of all) {
    if (edge.kind !== 'flow') continue;
    const from = box.get(edge.from) as NodeLayout;
    const to = box.get(edge.to) as NodeLayout;
    if (isBack(edge)) {
      const right = from.x + from.width / 2 > to.x + to.width / 2;
      const sideOf = (node: NodeLayout) => (right ? node.x + node.width : node.x);
      edges.push({
        from: edge.from,
        to: edge.to,
        loop: true,
        side: right ? 'right' : 'left',
        points: [
          { x: sideOf(from), y: from.y + from.height / 2 },
          { x: sideOf(to), y: to.y + to.height / 2 },
        ],
      });
      continue;
    }
    const chain = chains.get(`${edge.from}\u0000${edge.to}`);
    if (!chain || edges.some((other) => other.from === edge.from && other.to === edge.to)) continue;
    const points: Point[] = [{ x: from.x + from.width / 2, y: from.y + from.height }];
    for (const waypoint of chain.slice(1, -1)) {
      const top = tops[waypoint.layer] ?? 0;
      points.push(
        { x: waypoint.x + shift, y: top },
        { x: waypoint.x + shift, y: top + (heights[waypoint.layer] ?? 0) },
      );
    }
    points.push({ x: to.x + to.width / 2, y: to.y });
    edges.push({ from: edge.from, to: edge.to, loop: false, points });
  }
  return { width: right - left + 2 * SPACING.machinePadX, height, nodes, edges };
}
