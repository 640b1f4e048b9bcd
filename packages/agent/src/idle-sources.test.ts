import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { idleSourceFor, parseIoregIdleMs, parseWindowsIdleMs } from './idle-sources.js';

// What `ioreg -c IOHIDSystem -r -d 1` prints on macOS 14 (trimmed), 12.5 s after the last input.
const IOREG_OUTPUT = `+-o IOHIDSystem  <class IOHIDSystem, id 0x100000499, registered, matched, active, busy 0 (0 ms), retain 27>
    {
      "IOClass" = "IOHIDSystem"
      "HIDParameters" = {"HIDClickTime"=500000000,"HIDIdleTime"=99000000000}
      "CFBundleIdentifier" = "com.apple.iokit.IOHIDFamily"
      "HIDIdleTime" = 12500432109
      "IOProviderClass" = "IOResources"
    }
`;

test('macOS: the idle time is the HIDIdleTime line of ioreg (not the stale one in HIDParameters), from nanoseconds to ms', () => {
  assert.equal(parseIoregIdleMs(IOREG_OUTPUT), 12_500);
  assert.equal(parseIoregIdleMs('+-o IOHIDSystem  <class IOHIDSystem>\n    {\n    }\n'), null);
});

test('Windows: each line of the GetLastInputInfo watcher is the idle time in ms; anything else is unknown', () => {
  // Recorded from the PowerShell loop on Windows 10: the user typed, then left it alone.
  const lines = ['15\r', '1016\r', '2031\r', '-1\r', 'Add-Type : Cannot add type.\r'];
  assert.deepEqual(lines.map(parseWindowsIdleMs), [15, 1016, 2031, null, null]);
});

test('Windows: one PowerShell process is read line by line; the latest reading wins', async (t) => {
  // A replay of the recorded output stands in for powershell.exe, which this machine has not.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaahshare-idle-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const replay = path.join(dir, 'powershell');
  fs.writeFileSync(replay, '#!/bin/sh\nprintf "15\\r\\n1016\\r\\n2031\\r\\n"\nexec sleep 30\n', { mode: 0o755 });
  const source = idleSourceFor('win32', { powershell: replay, ioreg: null, xprintidle: null }, 'desktop');
  assert.ok(!('unavailable' in source));
  t.after(() => source.stop());
  assert.equal(await source.read(), null, 'nothing read yet');
  const deadline = Date.now() + 5000;
  while ((await source.read()) !== 2031 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(await source.read(), 2031);
});

test('each platform says what is missing when it has no idle source', () => {
  const none = { powershell: null, ioreg: null, xprintidle: null };
  assert.deepEqual(idleSourceFor('win32', none, 'desktop'), { unavailable: 'PowerShell (powershell.exe) is not on PATH' });
  assert.deepEqual(idleSourceFor('darwin', none, '1'), { unavailable: 'ioreg is not on PATH' });
  assert.deepEqual(idleSourceFor('linux', none, ':0'), { unavailable: 'install xprintidle (Debian/Ubuntu: apt install xprintidle)' });
});
