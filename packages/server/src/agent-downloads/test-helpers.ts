import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AgentBuildManifest, AgentPlatform } from '@vaahshare/protocol';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Writes a build of `platform` into `dir` as `npm run build:agents` lays it out; `statedSha256` overrides what the manifest states. */
export function writeBuild(dir: string, platform: AgentPlatform, files: { agent: Buffer; ffmpeg: Buffer; statedSha256?: string; version?: string }): AgentBuildManifest {
  const exe = platform.startsWith('win-') ? '.exe' : '';
  const out = path.join(dir, platform);
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, `vaahshare-agent${exe}`), files.agent, { mode: 0o755 });
  fs.writeFileSync(path.join(out, `ffmpeg${exe}`), files.ffmpeg, { mode: 0o755 });
  const manifest: AgentBuildManifest = {
    platform,
    version: files.version ?? '1.0.0+test',
    node: process.versions.node,
    built_at: new Date().toISOString(),
    agent: { file: `vaahshare-agent${exe}`, size: files.agent.length, sha256: files.statedSha256 ?? sha256(files.agent) },
    ffmpeg: { file: `ffmpeg${exe}`, size: files.ffmpeg.length, sha256: sha256(files.ffmpeg) },
  };
  fs.writeFileSync(path.join(out, 'manifest.json'), JSON.stringify(manifest));
  return manifest;
}

/** Every path under `dir`, relative, sorted: what an install left behind. */
export function listTree(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((p) => p.split(path.sep).join('/'))
    .sort();
}

export interface ScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the one-line install as an admin pastes it: `curl -fsSL "<url>" | sh -s -- <args>`. */
export function runInstallLine(url: string, args: string[], env: Record<string, string>): Promise<ScriptRun> {
  const child = spawn('sh', ['-c', 'curl -fsSL "$0" | sh -s -- "$@"', url, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}
