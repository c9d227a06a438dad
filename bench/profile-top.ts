// The top of a V8 CPU profile (`node --cpu-prof`, BENCH_NODE_OPTIONS in bench/README): where a process's
// time went, by function (self time) and by package, without opening a profiler's UI.
//   npx tsx bench/profile-top.ts FILE.cpuprofile [FRAMES=15]
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const [file, framesArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: npx tsx bench/profile-top.ts FILE.cpuprofile [FRAMES]\n');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfMs = new Map<number, number>();
for (const [i, id] of profile.samples.entries())
  selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);

/** Where a frame's code lives: a package under node_modules, a workspace of ours, Node itself, or V8. */
function owner(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return 'node';
  const ours = /\/(packages\/[^/]+|event-[a-z]+|automatic-generator)\//.exec(url);
  return ours?.[1] ?? url;
}

const frames = new Map<string, number>();
const owners = new Map<string, number>();
let total = 0;
for (const [id, ms] of selfMs) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  const where = url
    ? `${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(?=[^/]+\/(src|dist)\/)/, '')}:${lineNumber + 1}`
    : '';
  const key = `${functionName || '(anonymous)'} ${where}`.trim();
  frames.set(key, (frames.get(key) ?? 0) + ms);
  const who = owner(url, functionName);
  owners.set(who, (owners.get(who) ?? 0) + ms);
  total += ms;
}
const busy = total - (owners.get('(idle)') ?? 0);
const top = (map: Map<string, number>, n: number) =>
  [...map]
    .filter(([key]) => key !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([key, ms]) => `${ms.toFixed(0).padStart(7)} ms ${((ms / busy) * 100).toFixed(1).padStart(5)} %  ${key}`);
process.stdout.write(
  `${file}\n${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s profiled, ${busy.toFixed(0)} ms busy\n\n` +
    `by package (self time):\n${top(owners, 12).join('\n')}\n\n` +
    `by function (self time):\n${top(frames, Number(framesArg ?? 15)).join('\n')}\n`,
);
