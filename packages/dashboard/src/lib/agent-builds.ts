import { ref } from 'vue';
import { agentDownloadsApi } from '../api';

/** The build the server holds per platform (what agents are updated to), for the pages that show clients. */
export const heldBuilds = ref<Record<string, string | null>>({});

/** Fetched as such a page opens; a failure keeps what was known (no client shows "update pending" before the first). */
export async function loadHeldBuilds(): Promise<void> {
  try {
    const { data } = await agentDownloadsApi.get();
    heldBuilds.value = Object.fromEntries(data.builds.map((b) => [b.platform, b.version]));
  } catch {
    // The clients list matters more than this hint: it shows without it.
  }
}
