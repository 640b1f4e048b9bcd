import fs from 'node:fs';
import path from 'node:path';
import sea from 'node:sea';

/**
 * How a person runs this agent again, for every command the agent prints: `vaahshare-agent` where that name
 * on PATH is this executable (the install scripts link it into ~/.local/bin), the executable's full path where
 * it is not, and from a checkout `npx vaahshare-agent` inside it (npm links the workspace's bin), `node <bin>` elsewhere.
 */
export function agentCommand(pathEnv = process.env.PATH ?? ''): string {
  if (!sea.isSea()) return fromCheckout(path.resolve(process.argv[1] ?? ''), process.cwd());
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

/** The program and first arguments that run this agent again: the self-contained executable, or Node with the CLI script of a checkout. */
export const agentExecutable = (): string[] => (sea.isSea() ? [process.execPath] : [process.execPath, path.resolve(process.argv[1] ?? '')]);

/** From a checkout: `npx` finds the workspace's bin only inside the repository. */
export function fromCheckout(script: string, cwd: string): string {
  const repository = path.resolve(path.dirname(script), '../../..');
  const inside = !path.relative(repository, cwd).startsWith('..');
  return inside ? 'npx vaahshare-agent' : `node ${/\s/.test(script) ? `"${script}"` : script}`;
}
