import sea from 'node:sea';
import { Agent } from '../agent.js';
import { LogLines } from '../gui/log-lines.js';
import { openWindow } from '../gui/window.js';
import { loadSettings, requireServer, type Flags } from '../settings.js';
import { findTools } from '../tools.js';
import { SelfUpdate } from '../update/self-update.js';
import { captureOptions } from './capture-options.js';
import { log as printLine, onQuitSignals, openSpool } from './run-helpers.js';

export async function startCommand(flags: Flags & { window?: boolean }): Promise<number> {
  const settings = requireServer(loadSettings(flags));
  const tools = findTools(settings);
  const { machine, spool } = openSpool(settings);
  const logLines = new LogLines();
  const log = (line: string) => {
    logLines.add(`${new Date().toISOString()} ${line}`);
    printLine(line);
  };
  const selfUpdate: SelfUpdate = new SelfUpdate({
    server: settings.server,
    dataDir: settings.dataDir,
    executable: sea.isSea() ? process.execPath : null,
    // A single executable's argv is [executable, executable, …arguments]; node's is [node, script, …arguments].
    args: process.argv.slice(2),
    trialMs: settings.updateTrialSeconds * 1000,
    trial: settings.updateTrial,
    service: settings.service,
    log,
    report: (status) => agent.reportUpdate(status),
    handOver: (): Promise<void> => agent.handOver(),
  });
  const agent: Agent = new Agent({ server: settings.server, token: settings.token, machine, capture: captureOptions(settings, tools), tools, spool, segmentMs: settings.segmentMinutes * 60_000, log, selfUpdate });
  const window = flags.window === false ? null : await openWindow(agent, settings, logLines, log, flags.config);
  onQuitSignals(() => agent.quit(), spool.dir);
  const code = await agent.done;
  await window?.close();
  return (await selfUpdate.finish()) ?? code;
}
