// The agent's version lives in a fixed-width slot of its bundle (src/version.ts): `<<vaahshare-agent-version:` then
// 64 characters (the version, padded with spaces) then `>>`. The build stamps it into the bundle; since the width
// never changes, a built executable can be re-stamped in place (its sha256 changes, nothing else does).
const PREFIX = Buffer.from('<<vaahshare-agent-version:');
const WIDTH = 64;

/** `bytes` (a bundle or an executable) with its version slot set to `version`; throws unless there is exactly one slot. */
export function stampVersion(bytes, version) {
  if (!/^[\x21-\x7e]{1,64}$/.test(version)) throw new Error(`a version is 1-${WIDTH} printable characters without spaces: ${JSON.stringify(version)}`);
  const at = bytes.indexOf(PREFIX);
  if (at < 0 || bytes.indexOf(PREFIX, at + 1) >= 0) throw new Error('expected exactly one version slot (packages/agent/src/version.ts)');
  const end = at + PREFIX.length + WIDTH;
  if (bytes.subarray(end, end + 2).toString() !== '>>') throw new Error(`the version slot is not ${WIDTH} characters wide`);
  const stamped = Buffer.from(bytes);
  stamped.write(version.padEnd(WIDTH, ' '), at + PREFIX.length, 'latin1');
  return stamped;
}
