import fs from 'node:fs';
import path from 'node:path';
import sea from 'node:sea';

/**
 * How a person runs this agent again, for every command the agent prints: `vaahshare-agent` where that name
 * on PATH is this executable (the install scripts link it into ~/.local/bin), the executable's full path where
 * it is not, and `npx vaahshare-agent` from a checkout of the repository (npm links the workspace's bin).
 */
export function agentCommand(pathEnv = process.env.PATH ?? ''): string {
  if (!sea.isSea()) return 'npx vaahshare-agent';
  const name = process.platform === 'win32' ? 'vaahshare-agent.exe' : 'vaahshare-agent';
  const onPath = pathEnv
    .split(path.delimiter)
    .filter(Boolean)
    .map((dir) => path.join(dir, name))
    .find((file) => fs.existsSync(file));
  const self = fs.realpathSync(process.execPath);
  if (onPath && fs.realpathSync(onPath) === self) return 'vaahshare-agent';
  return /\s/.test(self) ? `"${self}"` : self;
}
