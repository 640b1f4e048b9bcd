import { ref } from 'vue';
import type { ActionResult, GuiView } from '../../src/gui/view';

export type { GuiView, SegmentView } from '../../src/gui/view';

/** The agent's view, pushed live by the agent (Server-Sent Events); null until the first one arrives. */
export const view = ref<GuiView | null>(null);
/** The page lost the agent (it stopped, or restarted on another port). */
export const agentGone = ref(false);

/** Every address is relative to the page, which the agent serves under its secret. */
export function connect() {
  const events = new EventSource('api/events');
  events.addEventListener('view', (e) => {
    view.value = JSON.parse((e as MessageEvent<string>).data) as GuiView;
    agentGone.value = false;
  });
  events.onerror = () => (agentGone.value = events.readyState !== EventSource.OPEN);
}

export async function post(action: string, body: unknown): Promise<ActionResult> {
  try {
    const res = await fetch(`api/${action}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return (await res.json()) as ActionResult;
  } catch {
    return { ok: false, message: 'The agent does not answer: is it still running?' };
  }
}

export async function fetchLogs(): Promise<string[]> {
  const res = await fetch('api/logs');
  return ((await res.json()) as { lines: string[] }).lines;
}
