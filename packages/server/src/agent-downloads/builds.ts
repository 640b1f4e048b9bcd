import fs from 'node:fs';
import path from 'node:path';
import { agentBuildManifestSchema, type AgentBuildManifest, type AgentPlatform } from '@vaahshare/protocol';

/** The command that builds the executables, named in every message about a missing build. */
export const BUILD_COMMAND = 'npm run build:agents';

export type BuiltFile = 'agent' | 'ffmpeg';

/**
 * The executables `npm run build:agents` left in `dir` (`<platform>/manifest.json` beside the files): what
 * the server serves and states the sha256 of. Read from disk on each call, so a rebuild is served at once.
 */
export function createAgentBuilds(dir: string) {
  function manifest(platform: AgentPlatform): AgentBuildManifest | null {
    const file = path.join(dir, platform, 'manifest.json');
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
      return null;
    }
    const parsed = agentBuildManifestSchema.safeParse(raw);
    return parsed.success && parsed.data.platform === platform ? parsed.data : null;
  }

  const fileOf = (build: AgentBuildManifest, which: BuiltFile) => path.join(dir, build.platform, build[which].file);

  return { manifest, fileOf };
}
export type AgentBuilds = ReturnType<typeof createAgentBuilds>;
