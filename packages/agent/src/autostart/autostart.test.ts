import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, test } from 'node:test';
import { AutostartUnavailable, autostartFor, type Launch, type Run } from './autostart.js';
import { desktopExec } from './desktop-entry.js';
import { menuEntryFor } from './menu-entry.js';

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
    // Once to choose systemd over the desktop's autostart folder, once before writing the unit.
    'systemctl --user show-environment',
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

test('Linux, asked by the running agent (now: false): the unit is enabled for login, not restarted; disable leaves the agent running', () => {
  const home = newHome();
  const { calls, run } = recorder();
  const autostart = autostartFor({ platform: 'linux', home, env: {}, run });
  autostart.enable('/opt/vaahshare-agent', ['start'], { now: false });
  assert.equal(autostart.isEnabled(), true);
  assert.deepEqual(calls.slice(-2), ['systemctl --user daemon-reload', 'systemctl --user enable vaahshare-agent.service']);
  calls.length = 0;
  autostart.disable({ now: false });
  assert.equal(autostart.isEnabled(), false);
  assert.deepEqual(calls, ['systemctl --user show-environment', 'systemctl --user disable vaahshare-agent.service', 'systemctl --user daemon-reload']);
});

test("Linux desktop without a systemd user manager: an entry in the session's autostart folder, started now unless now: false", () => {
  const home = newHome();
  const { run } = recorder((program) => program === 'systemctl');
  const launched: string[] = [];
  const launch: Launch = (program, args) => launched.push([program, ...args].join(' '));
  const autostart = autostartFor({ platform: 'linux', home, env: { WAYLAND_DISPLAY: 'wayland-0' }, run, launch });
  const entry = path.join(home, '.config/autostart/vaahshare-agent.desktop');
  assert.equal(autostart.file, entry);
  autostart.enable('/home/ana/My Apps/vaahshare-agent', ['start']);
  const text = fs.readFileSync(entry, 'utf8');
  assert.match(text, /^\[Desktop Entry\]\nType=Application\n/);
  assert.match(text, /^Exec="\/home\/ana\/My Apps\/vaahshare-agent" "start"$/m);
  assert.deepEqual(launched, ['/home/ana/My Apps/vaahshare-agent start']);
  // Chosen again later (systemd still absent, or started since): the entry that exists is the one in use.
  const again = autostartFor({ platform: 'linux', home, env: {}, run: recorder().run, launch });
  assert.equal(again.isEnabled(), true);
  again.disable({ now: false });
  assert.equal(fs.existsSync(entry), false);
  autostart.enable('/x/vaahshare-agent', ['start'], { now: false });
  assert.equal(launched.length, 1, 'not started again');
});

test('desktop entries quote each Exec word as the Desktop Entry Specification says', () => {
  assert.equal(desktopExec(['/a b/agent', 'open']), '"/a b/agent" "open"');
  // Escaped once for the quotes, and the backslashes once more for the file's string value.
  assert.equal(desktopExec(['/x/"q"$`%']), '"/x/\\\\"q\\\\"\\\\$\\\\`%%"');
  assert.equal(desktopExec(['C:\\dir']), '"C:\\\\\\\\dir"');
});

test('Linux menu entry "VaahShare" runs `open`; removed again; other platforms say what they have instead', () => {
  const home = newHome();
  const entry = menuEntryFor({ platform: 'linux', home, env: {} });
  assert.equal(entry.file, path.join(home, '.local/share/applications/vaahshare-agent.desktop'));
  entry.add('/home/ana/.local/lib/vaahshare-agent/vaahshare-agent', ['open']);
  const text = fs.readFileSync(entry.file, 'utf8');
  assert.match(text, /^Name=VaahShare$/m);
  assert.match(text, /^Exec="\/home\/ana\/\.local\/lib\/vaahshare-agent\/vaahshare-agent" "open"$/m);
  assert.match(text, /^Terminal=false$/m);
  assert.equal(entry.exists(), true);
  entry.remove();
  assert.equal(entry.exists(), false);
  assert.equal(menuEntryFor({ platform: 'linux', home, env: { XDG_DATA_HOME: '/d' } }).file, '/d/applications/vaahshare-agent.desktop');
  assert.throws(() => menuEntryFor({ platform: 'win32', home, env: {} }), /install script adds the Start-menu shortcut "VaahShare"/);
  assert.throws(() => menuEntryFor({ platform: 'darwin', home, env: {} }), /no application menu entry on darwin/);
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
