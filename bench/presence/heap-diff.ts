/**
 * What a server keeps per connection: compares two V8 heap snapshots of one process (as
 * `npm run bench:presence -- --heap-snapshots` writes them, before the agents connect and with them held) and
 * lists the objects that are new in the second, by kind, with their bytes per agent and who holds them.
 *
 *   node --import tsx bench/presence/heap-diff.ts <before.heapsnapshot> <held.heapsnapshot> [--agents N] [--top 40] [--retainers 3]
 *
 * Per agent means per connection held in the second snapshot: by default the number of new Socket.IO `Client`
 * objects (one per connection), since agents the heartbeat dropped under load may be reconnecting at that moment.
 * An object is new when its id is not in the first snapshot (V8 keeps an object's id for the life of the
 * process). Kinds are a constructor's name for objects, `(closure) name` for functions, and V8's own types
 * otherwise (strings, arrays, hidden objects such as the backing stores of Maps and Sets). Self sizes only:
 * a Map's table counts as `(array)` and is then named by its retainer, e.g. `Map.table`.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

interface Heap {
  kinds: string[];
  ids: number[];
  selfSizes: number[];
  /** A node's retainers as [node, edge name]; only nodes for which `wanted` held when the table was built. */
  retainersOf: (node: number, wanted: (node: number) => boolean) => Array<[number, string]>;
}

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { agents: { type: 'string' }, top: { type: 'string', default: '40' }, retainers: { type: 'string', default: '3' } },
});
if (positionals.length !== 2) throw new Error('usage: heap-diff.ts <before.heapsnapshot> <held.heapsnapshot> [--agents N]');

function kindOf(type: string, name: string): string {
  if (type === 'object' || type === 'native') return name.split(' ')[0] || `(${type})`;
  if (type === 'closure') return `(closure) ${name || 'anonymous'}`;
  if (type === 'string' || type === 'concatenated string' || type === 'sliced string') return '(string)';
  return `(${type})`;
}

function read(file: string): Heap {
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Snapshot;
  const { node_fields, node_types, edge_fields, edge_types } = raw.snapshot.meta;
  const nodeWidth = node_fields.length;
  const edgeWidth = edge_fields.length;
  const [typeAt, nameAt, idAt, sizeAt, edgeCountAt] = ['type', 'name', 'id', 'self_size', 'edge_count'].map((f) => node_fields.indexOf(f));
  const [edgeTypeAt, edgeNameAt, toAt] = ['type', 'name_or_index', 'to_node'].map((f) => edge_fields.indexOf(f));
  const count = raw.nodes.length / nodeWidth;
  const kinds: string[] = new Array(count);
  const ids: number[] = new Array(count);
  const selfSizes: number[] = new Array(count);
  const firstEdge: number[] = new Array(count);
  let edge = 0;
  for (let n = 0; n < count; n++) {
    const base = n * nodeWidth;
    kinds[n] = kindOf(node_types[0][raw.nodes[base + typeAt]], raw.strings[raw.nodes[base + nameAt]]);
    ids[n] = raw.nodes[base + idAt];
    selfSizes[n] = raw.nodes[base + sizeAt];
    firstEdge[n] = edge;
    edge += raw.nodes[base + edgeCountAt] * edgeWidth;
  }
  let retainers: Map<number, Array<[number, string]>> | undefined;
  const retainersOf = (node: number, wanted: (node: number) => boolean) => {
    if (!retainers) {
      retainers = new Map();
      for (let n = 0; n < count; n++) {
        const end = n + 1 < count ? firstEdge[n + 1] : raw.edges.length;
        for (let e = firstEdge[n]; e < end; e += edgeWidth) {
          const edgeType = edge_types[0][raw.edges[e + edgeTypeAt]];
          if (edgeType === 'weak' || edgeType === 'shortcut') continue;
          const nameOrIndex = raw.edges[e + edgeNameAt];
          const edgeName = edgeType === 'element' || edgeType === 'hidden' ? `[${nameOrIndex}]` : raw.strings[nameOrIndex];
          const to = raw.edges[e + toAt] / nodeWidth;
          if (!wanted(to)) continue;
          let list = retainers.get(to);
          if (!list) retainers.set(to, (list = []));
          list.push([n, edgeName]);
        }
      }
    }
    return retainers.get(node) ?? [];
  };
  return { kinds, ids, selfSizes, retainersOf };
}

const before = read(positionals[0]);
const known = new Set(before.ids);
const held = read(positionals[1]);
const isNew = (n: number) => !known.has(held.ids[n]);

const byKind = new Map<string, { count: number; bytes: number; nodes: number[] }>();
let total = 0;
held.ids.forEach((_, n) => {
  if (!isNew(n)) return;
  const kind = held.kinds[n];
  let entry = byKind.get(kind);
  if (!entry) byKind.set(kind, (entry = { count: 0, bytes: 0, nodes: [] }));
  entry.count++;
  entry.bytes += held.selfSizes[n];
  entry.nodes.push(n);
  total += held.selfSizes[n];
});

const connections = byKind.get('Client')?.count ?? 0;
const AGENTS = args.agents ? Number(args.agents) : connections;
if (!AGENTS) throw new Error('no new Socket.IO connection in the second snapshot: give --agents N');

/** The most frequent retainers of a kind's new objects: `<retainer kind>.<edge>`. */
function topRetainers(nodes: number[], top: number): string {
  const counts = new Map<string, number>();
  for (const n of nodes) {
    for (const [from, edge] of held.retainersOf(n, isNew)) {
      const key = `${held.kinds[from]}.${edge}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, c]) => `${key} ×${(c / AGENTS).toFixed(2)}`)
    .join(', ');
}

const rows = [...byKind].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, Number(args.top));
console.log(`new objects: ${(total / AGENTS).toFixed(0)} bytes per agent (self sizes; ${AGENTS} agents; ${connections} new Socket.IO connections)\n`);
console.log('bytes/agent  objects/agent  kind  ← held by (per agent)');
for (const [kind, { count, bytes, nodes }] of rows) {
  console.log(`${(bytes / AGENTS).toFixed(0).padStart(11)}  ${(count / AGENTS).toFixed(2).padStart(13)}  ${kind}  ← ${topRetainers(nodes, Number(args.retainers))}`);
}
