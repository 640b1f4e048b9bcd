import { Agent } from '../agent.js';
import { loadSettings, requireServer, type Flags } from '../settings.js';
import { findTools } from '../tools.js';
import { captureOptions } from './capture-options.js';
import { log, onQuitSignals, openSpool } from './run-helpers.js';

export async function startCommand(flags: Flags): Promise<number> {
  const settings = requireServer(loadSettings(flags));
  const tools = findTools(settings);
  const { machine, spool } = openSpool(settings);
  const agent = new Agent({ server: settings.server, token: settings.token, machine, capture: captureOptions(settings, tools), tools, spool, segmentMs: settings.segmentMinutes * 60_000, log });
  onQuitSignals(() => agent.quit(), spool.dir);
  return agent.done;
}
