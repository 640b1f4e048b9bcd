import { installCommands, isPlainHttpToAnotherMachine, plainHttpRefusal, type AgentBuildManifest } from '@vaahshare/protocol';
import { BUILD_COMMAND } from './builds.js';

export interface ScriptParams {
  server: string;
  /** The enrollment token the script installs with; null with a refusal. */
  token: string | null;
  /** Why this script refuses to install (a wrong or revoked token): it says so and exits 1. Uninstalling still works. */
  refusal: string | null;
  /** The builds on the server, whose sha256 the script checks its downloads against. */
  builds: AgentBuildManifest[];
}

/** One word for sh, single-quoted. */
const sh = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

/** GET /agent/install.sh: installs the agent for the user on Linux and macOS (or `--uninstall`s it). */
// eslint-disable-next-line max-lines-per-function -- the script's text: one template, read top to bottom as the shell runs it
export function installSh({ server, token, refusal, builds }: ScriptParams): string {
  const cases = builds
    .filter((b) => !b.platform.startsWith('win-'))
    .map((b) => `  ${b.platform}) agent_sha=${b.agent.sha256}; ffmpeg_sha=${b.ffmpeg.sha256}; agent_size=${sh(mb(b.agent.size + b.ffmpeg.size))} ;;`)
    .join('\n');
  const available = builds.filter((b) => !b.platform.startsWith('win-')).map((b) => b.platform).join(', ') || 'none';
  const plainHttp = isPlainHttpToAnotherMachine(server);
  return `#!/bin/sh
# VaahShare agent for Linux and macOS, installed for this user; made by ${server} for one enrollment token.
#   curl -fsSL "${server}/agent/install.sh?token=<token>" | sh                   install, start now and at login
#   curl -fsSL "${server}/agent/install.sh?token=<token>" | sh -s -- --no-service  install and start, not at login
#   curl -fsSL "${server}/agent/install.sh" | sh -s -- --uninstall                remove it (keeps unsent recordings)
#   … | sh -s -- --insecure        to a server at a plain http:// address of another machine (unencrypted: see below)
set -eu
SERVER=${sh(server)}
PLAIN_HTTP=${plainHttp ? 'yes' : 'no'}
TOKEN=${sh(token ?? '')}
REFUSAL=${sh(refusal ?? '')}

say() { printf 'vaahshare-agent: %s\\n' "$*"; }
fail() { printf 'vaahshare-agent: %s\\n' "$*" >&2; exit 1; }

service=yes
action=install
insecure=no
for arg in "$@"; do
  case "$arg" in
    --no-service) service=no ;;
    --uninstall) action=uninstall ;;
    --insecure) insecure=yes ;;
    *) fail "unknown option $arg (use --no-service, --uninstall or --insecure)" ;;
  esac
done

case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  *) fail "this installer is for Linux and macOS; on Windows run in PowerShell: irm \\"$SERVER/agent/install.ps1?token=<token>\\" | iex" ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  arm64 | aarch64) arch=arm64 ;;
  *) arch=$(uname -m) ;;
esac
platform="$os-$arch"

[ -n "\${HOME:-}" ] || fail "HOME is not set"
# Where the agent keeps its config and recordings (env-paths, as the agent itself finds them).
if [ "$os" = darwin ]; then
  data_dir="$HOME/Library/Application Support/vaahshare-agent"
  config_dir="$HOME/Library/Preferences/vaahshare-agent"
else
  data_dir="\${XDG_DATA_HOME:-$HOME/.local/share}/vaahshare-agent"
  config_dir="\${XDG_CONFIG_HOME:-$HOME/.config}/vaahshare-agent"
fi
lib_dir="$HOME/.local/lib/vaahshare-agent"
agent="$lib_dir/vaahshare-agent"
link="$HOME/.local/bin/vaahshare-agent"

# An installed agent: no longer started at login, and stopped cleanly (it sends what it has first).
stop_agent() {
  [ -x "$agent" ] || return 0
  "$agent" autostart disable >/dev/null 2>&1 || true
  "$agent" menu remove >/dev/null 2>&1 || true
  "$agent" stop --all >/dev/null 2>&1 || true
}

if [ "$action" = uninstall ]; then
  stop_agent
  rm -rf "$lib_dir" "$config_dir"
  if [ -L "$link" ]; then rm -f "$link"; fi
  unsent=$(find "$data_dir" -name '*.webm' 2>/dev/null | wc -l | tr -d ' ')
  if [ "$unsent" -gt 0 ]; then
    find "$data_dir" -type f ! -name '*.webm' ! -name '[0-9]*.json' -exec rm -f {} +
    kept="; kept $unsent recording(s) not yet uploaded in $data_dir/spool (install again to send them, or delete that folder)"
  else
    rm -rf "$data_dir"
    kept=""
  fi
  # Folders this installer may have created, when nothing else is in them.
  for dir in "$HOME/.local/bin" "$HOME/.local/lib" "$HOME/.local/share/applications" "$HOME/.local/share" "$HOME/.local" "$HOME/.config/systemd/user" "$HOME/.config/systemd" "$HOME/.config/autostart" "$HOME/.config" "$HOME/Library/Preferences" "$HOME/Library/LaunchAgents"; do
    rmdir "$dir" 2>/dev/null || true
  done
  say "uninstalled: removed $lib_dir, $link, the config and the start at login$kept"
  exit 0
fi

if [ "$PLAIN_HTTP" = yes ] && [ "$insecure" = no ]; then
  fail ${sh(`${plainHttpRefusal(server)} To install anyway: ${installCommands(server, '<token>').unix.replace(encodeURIComponent('<token>'), '<token>')}`)}
fi
[ -z "$REFUSAL" ] || fail "$REFUSAL"

case "$platform" in
${cases}
  *) fail "this server has no agent for $platform (it has: ${available}); an admin builds them with: ${BUILD_COMMAND}" ;;
esac
command -v curl >/dev/null 2>&1 || fail "curl is needed to download the agent"

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d ' ' -f 1; else shasum -a 256 "$1" | cut -d ' ' -f 1; fi
}
tmp=$(mktemp -d "\${TMPDIR:-/tmp}/vaahshare-agent.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
download() {
  curl -fsSL "$SERVER/agent/download/$1" -o "$tmp/$2" || fail "downloading $SERVER/agent/download/$1 failed; nothing was installed"
  actual=$(sha256_of "$tmp/$2")
  [ "$actual" = "$3" ] || fail "the downloaded $2 is damaged or was tampered with (sha256 $actual, the server states $3); nothing was installed"
}
say "downloading the agent for $platform ($agent_size) from $SERVER…"
download "$platform" vaahshare-agent "$agent_sha"
download "$platform/ffmpeg" ffmpeg "$ffmpeg_sha"
chmod 755 "$tmp/vaahshare-agent" "$tmp/ffmpeg"
if [ "$os" = darwin ]; then
  # The build is not signed by a developer: sign it ad hoc here so that macOS runs it. curl sets no
  # quarantine flag, so Gatekeeper does not ask (see packages/agent/README.md for a browser download).
  codesign --remove-signature "$tmp/vaahshare-agent" 2>/dev/null || true
  codesign --force --sign - "$tmp/vaahshare-agent" "$tmp/ffmpeg" >/dev/null 2>&1 || fail "signing the agent ad hoc (codesign) failed; nothing was installed"
fi
"$tmp/vaahshare-agent" --help >/dev/null 2>&1 || fail "the downloaded agent does not run on this machine; nothing was installed"

stop_agent
mkdir -p "$lib_dir" "$(dirname "$link")"
mv -f "$tmp/vaahshare-agent" "$tmp/ffmpeg" "$lib_dir/"
ln -sf "$agent" "$link"
say "installed $agent (with its ffmpeg), linked as $link"

insecure_flag=""
[ "$insecure" = no ] || insecure_flag=--insecure
"$agent" setup --server "$SERVER" --token "$TOKEN" $insecure_flag >/dev/null || fail "the agent could not save its config (above)"
say "config: $config_dir/config.json (server $SERVER)"
if [ "$os" = linux ] && "$agent" menu add >/dev/null; then say "the application menu has VaahShare: it opens the agent's window"; fi

started=no
if [ "$service" = yes ]; then
  if out=$("$agent" autostart enable 2>&1); then
    started=yes
  else
    out="$out; so it does not start at login: starting it now in the background"
  fi
  say "\${out#vaahshare-agent: }"
fi
if [ "$started" = no ]; then
  mkdir -p "$data_dir"
  nohup "$agent" start >>"$data_dir/agent.log" 2>&1 </dev/null &
  say "started (pid $!); its log: $data_dir/agent.log"
fi
case ":$PATH:" in
  *":$HOME/.local/bin:"*) command=vaahshare-agent ;;
  *) command="$link"; say "add ~/.local/bin to your PATH to run vaahshare-agent by name" ;;
esac
# The person at this desktop sees at once what the agent records and who watches: its window opens.
if [ -n "\${DISPLAY:-}\${WAYLAND_DISPLAY:-}" ] || { [ "$os" = darwin ] && [ -z "\${SSH_CONNECTION:-}" ]; }; then
  if out=$("$agent" open --wait 30 2>&1); then say "$out"; else say "\${out#vaahshare-agent: }; open it later with: $command open"; fi
else
  say "no desktop session here to show the agent's window in: from one, open it with: $command open (or print its address: $command open --print)"
fi
say "check it with: $command status; uninstall with: curl -fsSL \\"$SERVER/agent/install.sh\\" | sh -s -- --uninstall"
`;
}
