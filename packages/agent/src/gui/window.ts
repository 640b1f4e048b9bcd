import path from 'node:path';
import sea from 'node:sea';
import { fileURLToPath } from 'node:url';
import { AGENT_VERSION } from '../version.js';
import { extractGuiAssets } from './sea-assets.js';
import type { Agent } from '../agent.js';
import { defaultConfigFile, type Settings } from '../settings.js';
import { startGuiServer } from './gui-server.js';
import type { LogLines } from './log-lines.js';
import { loadOrCreateSecret } from './secret.js';
import { pauseActions } from './pause-actions.js';
import { settingsActions, editableSettings } from './settings-actions.js';
import { startAtLogin } from './start-at-login.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The built window: next to the bundled CLI (dist/cli.js), or packages/agent/dist/gui from the sources. */
export const GUI_DIST = path.basename(here) === 'dist' ? path.join(here, 'gui') : path.resolve(here, '../../dist/gui');

/** The window's files: in the self-contained executable they are its assets, written out once per version. */
const guiDir = (dataDir: string) => (sea.isSea() ? extractGuiAssets(path.join(dataDir, `window-${AGENT_VERSION}`)) : GUI_DIST);

/** Serves the agent's window while the agent runs; the port goes into the status file for `open`. */
export async function openWindow(agent: Agent, settings: Settings & { server: string }, logLines: LogLines, log: (line: string) => void, configFile = defaultConfigFile()) {
  const secret = loadOrCreateSecret(settings.dataDir);
  const login = startAtLogin();
  const gui = await startGuiServer({
    secret,
    distDir: guiDir(settings.dataDir),
    backend: {
      view: () => ({ ...agent.view(), settings: editableSettings(settings, configFile), start_at_login: login.view() }),
      onChange: (listener) => agent.onChange(listener),
      logs: () => logLines.all(),
      actions: { ...settingsActions(settings, configFile), ...pauseActions(agent), ...login.actions },
    },
  });
  agent.guiPort = gui.port;
  log(`the agent's window is at http://127.0.0.1:${gui.port}/ (open it with \`vaahshare-agent open\`)`);
  return gui;
}
