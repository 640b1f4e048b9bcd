import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, test } from 'node:test';
import { AutostartUnavailable, autostartFor, type Run } from './autostart.js';

// The files each platform's autostart writes, and the programs it asks to (re)load them, recorded in a
// throwaway home. Real systemd, launchd and Windows are not here; the install test covers the whole line.
const homes: string[] = [];
afterEach(() => homes.splice(0).forEach((h) => fs.rmSync(h, { recursive: true, force: true })));
const newHome = () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'vaahshare-autostart-'));
  homes.push(home);
  return home;
};

function recorder(failing: (program: string, args: string[]) => boolean = () => false) {
  const calls: string[] = [];
  const run: Run = (program, args) => {
    calls.push([program, ...args].join(' '));
    if (failing(program, args)) throw new Error(`${program} failed`);
    return program === 'id' ? '501\n' : '';
  };
  return { calls, run };
}

test('Linux: a systemd user unit that runs the executable, enabled and started; disable undoes it', () => {
  const home = newHome();
  const { calls, run } = recorder();
  const autostart = autostartFor({ platform: 'linux', home, env: { DISPLAY: ':0' }, run });
  assert.equal(autostart.isEnabled(), false);
  autostart.enable('/home/ana/.local/lib/vaahshare-agent/vaahshare-agent', ['start']);
  const unit = fs.readFileSync(path.join(home, '.config/systemd/user/vaahshare-agent.service'), 'utf8');
  assert.match(unit, /^ExecStart="\/home\/ana\/\.local\/lib\/vaahshare-agent\/vaahshare-agent" "start"$/m);
  assert.match(unit, /^WantedBy=default\.target$/m);
  assert.equal(autostart.isEnabled(), true);
  assert.deepEqual(calls, [
    'systemctl --user show-environment',
    'systemctl --user import-environment DISPLAY',
    'systemctl --user daemon-reload',
    'systemctl --user enable vaahshare-agent.service',
    'systemctl --user restart vaahshare-agent.service',
  ]);
  calls.length = 0;
  autostart.disable();
  assert.equal(autostart.isEnabled(), false);
  assert.deepEqual(calls, ['systemctl --user show-environment', 'systemctl --user disable --now vaahshare-agent.service', 'systemctl --user daemon-reload']);
});

test('Linux without a systemd user manager: enable says so and writes nothing', () => {
  const home = newHome();
  const { run } = recorder((program) => program === 'systemctl');
  const autostart = autostartFor({ platform: 'linux', home, env: { XDG_CONFIG_HOME: path.join(home, 'cfg') }, run });
  assert.throws(() => autostart.enable('/x/vaahshare-agent', ['start']), (err: Error) => err instanceof AutostartUnavailable && /systemd is not running for this user/.test(err.message));
  assert.deepEqual(fs.readdirSync(home), []);
});

test('macOS: a LaunchAgent with the program and its log, bootstrapped into the user\'s GUI domain', () => {
  const home = newHome();
  const { calls, run } = recorder((program, args) => program === 'launchctl' && args[0] === 'bootout');
  const autostart = autostartFor({ platform: 'darwin', home, env: {}, run });
  autostart.enable('/Users/ana/.local/lib/vaahshare-agent/vaahshare-agent', ['start']);
  const plist = path.join(home, 'Library/LaunchAgents/com.vaahshare.agent.plist');
  const text = fs.readFileSync(plist, 'utf8');
  assert.match(text, /<string>\/Users\/ana\/\.local\/lib\/vaahshare-agent\/vaahshare-agent<\/string>\n {4}<string>start<\/string>/);
  assert.match(text, /<key>RunAtLoad<\/key><true\/>/);
  assert.ok(calls.includes(`launchctl bootstrap gui/501 ${plist}`), calls.join('\n'));
  autostart.disable();
  assert.equal(fs.existsSync(plist), false);
  assert.ok(calls.at(-1)!.startsWith('launchctl bootout gui/501/com.vaahshare.agent'));
});

test('Windows: a hidden launcher in the Startup folder, run now; disable removes it', () => {
  const home = newHome();
  const { calls, run } = recorder();
  const appData = path.join(home, 'AppData', 'Roaming');
  const autostart = autostartFor({ platform: 'win32', home, env: { APPDATA: appData }, run });
  autostart.enable('C:\\Users\\ana\\AppData\\Local\\Programs\\VaahShare\\vaahshare-agent.exe', ['start']);
  const launcher = path.join(appData, 'Microsoft/Windows/Start Menu/Programs/Startup/vaahshare-agent.vbs');
  assert.match(fs.readFileSync(launcher, 'utf8'), /CreateObject\("WScript\.Shell"\)\.Run """C:\\Users\\ana\\AppData\\Local\\Programs\\VaahShare\\vaahshare-agent\.exe"" ""start""", 0, False/);
  assert.deepEqual(calls, [`wscript.exe ${launcher}`]);
  autostart.disable();
  assert.equal(autostart.isEnabled(), false);
});
