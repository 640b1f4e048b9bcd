import { installCommands, isPlainHttpToAnotherMachine, plainHttpRefusal } from '@vaahshare/protocol';
import { BUILD_COMMAND } from './builds.js';
import type { ScriptParams } from './install-sh.js';

/** One word for PowerShell, single-quoted. */
const ps = (value: string) => `'${value.replace(/'/g, "''")}'`;

/**
 * GET /agent/install.ps1: installs the agent for the user on Windows. Errors `throw` rather than `exit`:
 * run through `irm … | iex`, an exit would close the admin's PowerShell window.
 */
// eslint-disable-next-line max-lines-per-function -- the script's text: one template, read top to bottom as PowerShell runs it
export function installPs1({ server, token, refusal, builds }: ScriptParams): string {
  const build = builds.find((b) => b.platform === 'win-x64');
  const plainHttp = isPlainHttpToAnotherMachine(server);
  const refusePlainHttp = `${plainHttpRefusal(server)} To install anyway: ${installCommands(server, '<token>').windows.replace(encodeURIComponent('<token>'), '<token>')}`;
  return `# VaahShare agent for Windows, installed for this user; made by ${server} for one enrollment token.
#   irm "${server}/agent/install.ps1?token=<token>" | iex                                      install, start now and at login
#   & ([scriptblock]::Create((irm "${server}/agent/install.ps1?token=<token>"))) -NoService   install and start, not at login
#   & ([scriptblock]::Create((irm "${server}/agent/install.ps1"))) -Uninstall                 remove it (keeps unsent recordings)
#   & ([scriptblock]::Create((irm "…"))) -Insecure     to a server at a plain http:// address of another machine (unencrypted)
param([switch]$NoService, [switch]$Uninstall, [switch]$Insecure)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$Server = ${ps(server)}
$Token = ${ps(token ?? '')}
$Refusal = ${ps(refusal ?? '')}
$PlainHttp = ${plainHttp ? '$true' : '$false'}
$AgentSha = ${ps(build?.agent.sha256 ?? '')}
$FfmpegSha = ${ps(build?.ffmpeg.sha256 ?? '')}

function Say($Message) { Write-Host "vaahshare-agent: $Message" }
function Fail($Message) { throw "vaahshare-agent: $Message" }

# Where the agent lives, and where it keeps its config and recordings (env-paths, as the agent finds them).
$Dir = Join-Path $env:LOCALAPPDATA 'Programs\\VaahShare'
$Agent = Join-Path $Dir 'vaahshare-agent.exe'
$DataDir = Join-Path $env:LOCALAPPDATA 'vaahshare-agent\\Data'
$ConfigDir = Join-Path $env:APPDATA 'vaahshare-agent\\Config'
$Shortcut = Join-Path $env:APPDATA 'Microsoft\\Windows\\Start Menu\\Programs\\VaahShare.lnk'

function Stop-Agent {
  if (Test-Path $Agent) {
    & $Agent autostart disable *> $null
    & $Agent stop --all *> $null
  }
}

if ($Uninstall) {
  Stop-Agent
  Remove-Item -Recurse -Force -ErrorAction SilentlyContinue $Dir, (Split-Path $ConfigDir), $Shortcut
  $unsent = @(Get-ChildItem -Recurse -Filter *.webm -ErrorAction SilentlyContinue $DataDir).Count
  if ($unsent -gt 0) {
    Say "uninstalled; kept $unsent recording(s) not yet uploaded in $DataDir\\spool (install again to send them, or delete that folder)"
  } else {
    Remove-Item -Recurse -Force -ErrorAction SilentlyContinue (Split-Path $DataDir)
    Say "uninstalled: removed $Dir, the config and the start at login"
  }
  return
}

if ($PlainHttp -and -not $Insecure) { Fail ${ps(refusePlainHttp)} }
if ($Refusal) { Fail $Refusal }
if (-not $AgentSha) { Fail "this server has no Windows agent yet; an admin builds it with: ${BUILD_COMMAND}" }
if (-not [Environment]::Is64BitOperatingSystem) { Fail 'the agent needs 64-bit Windows' }

$Tmp = Join-Path ([IO.Path]::GetTempPath()) ("vaahshare-agent-" + [Guid]::NewGuid())
New-Item -ItemType Directory -Force $Tmp | Out-Null
try {
  foreach ($file in @(@('win-x64', 'vaahshare-agent.exe', $AgentSha), @('win-x64/ffmpeg', 'ffmpeg.exe', $FfmpegSha))) {
    $target = Join-Path $Tmp $file[1]
    Say "downloading $($file[1]) from $Server…"
    Invoke-WebRequest -UseBasicParsing "$Server/agent/download/$($file[0])" -OutFile $target
    $actual = (Get-FileHash -Algorithm SHA256 $target).Hash.ToLower()
    if ($actual -ne $file[2]) { Fail "the downloaded $($file[1]) is damaged or was tampered with (sha256 $actual, the server states $($file[2])); nothing was installed" }
  }
  Stop-Agent
  New-Item -ItemType Directory -Force $Dir | Out-Null
  Move-Item -Force (Join-Path $Tmp '*') $Dir
} finally {
  Remove-Item -Recurse -Force -ErrorAction SilentlyContinue $Tmp
}
Say "installed $Agent (with its ffmpeg)"

$InsecureFlag = @(if ($Insecure) { '--insecure' })
& $Agent setup --server $Server --token $Token @InsecureFlag | Out-Null
if ($LASTEXITCODE -ne 0) { Fail 'the agent could not save its config (above)' }
Say "config: $ConfigDir\\config.json (server $Server)"

# A Start-menu entry "VaahShare" that opens the agent's window (minimized: the agent is a console program).
$Link = (New-Object -ComObject WScript.Shell).CreateShortcut($Shortcut)
$Link.TargetPath = $Agent
$Link.Arguments = 'open'
$Link.Description = "See what the VaahShare agent records and who is watching"
$Link.WindowStyle = 7
$Link.Save()
Say 'the Start menu has VaahShare: it opens the agent''s window'

if ($NoService) {
  Start-Process -WindowStyle Hidden -FilePath $Agent -ArgumentList 'start'
  Say 'started in the background (not at login)'
} else {
  & $Agent autostart enable
  if ($LASTEXITCODE -ne 0) { Fail 'setting the agent to start at login failed (above)' }
}
# The person at this desktop sees at once what the agent records and who watches: its window opens.
& $Agent open --wait 30
if ($LASTEXITCODE -ne 0) { Say "open the agent's window later from the Start menu (VaahShare), or with: & '$Agent' open" }
Say "check it with: & '$Agent' status"
`;
}
