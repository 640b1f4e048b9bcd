import { typedText } from './assets.js';
import type { OfficeDesktop } from './desktop.js';

export type PhaseKind = 'type' | 'idle' | 'scroll' | 'switch' | 'video';

/**
 * The office session, in order, each a share of the whole (ten minutes by default): writing, reading,
 * going back and forth between the two windows, a clip playing in a corner for a minute, and idle
 * stretches (a desktop is still much of the day).
 */
export const PHASES: Array<{ kind: PhaseKind; share: number }> = [
  { kind: 'type', share: 0.15 },
  { kind: 'idle', share: 0.1 },
  { kind: 'scroll', share: 0.15 },
  { kind: 'switch', share: 0.1 },
  { kind: 'video', share: 0.1 },
  { kind: 'type', share: 0.05 },
  { kind: 'scroll', share: 0.05 },
  { kind: 'idle', share: 0.3 },
];

export interface PhaseMark {
  kind: PhaseKind;
  /** Seconds from the start of the session. */
  startS: number;
  endS: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** A typist's pace: about eight characters a second. */
const KEY_DELAY_MS = 120;

/** Runs the whole session; resolves with when each phase ran. */
export async function runWorkload(desk: OfficeDesktop, totalS: number, log: (line: string) => void): Promise<PhaseMark[]> {
  const start = Date.now();
  const marks: PhaseMark[] = [];
  const typing = typingState();
  let endAt = start;
  for (const phase of PHASES) {
    const from = endAt;
    endAt = from + phase.share * totalS * 1000;
    log(`${phase.kind} for ${Math.round((endAt - from) / 1000)} s`);
    await PHASE_RUNNERS[phase.kind](desk, endAt, typing);
    await sleep(endAt - Date.now());
    marks.push({ kind: phase.kind, startS: (from - start) / 1000, endS: (Date.now() - start) / 1000 });
  }
  return marks;
}

function typingState() {
  const words = typedText().split(/( |\n)/).filter((w) => w !== ' ' && w !== '');
  let next = 0;
  return { word: () => words[next++ % words.length] };
}

type Runner = (desk: OfficeDesktop, endAt: number, typing: ReturnType<typeof typingState>) => Promise<void>;

const PHASE_RUNNERS: Record<PhaseKind, Runner> = {
  async type(desk, endAt, typing) {
    await desk.raise(desk.document);
    const page = desk.document.page;
    await page.evaluate(() => {
      const end = document.getElementById('doc')!;
      const range = document.createRange();
      range.selectNodeContents(end);
      range.collapse(false);
      getSelection()!.removeAllRanges();
      getSelection()!.addRange(range);
      end.focus();
    });
    while (Date.now() < endAt - 1000) {
      const word = typing.word();
      if (word === '\n') await page.keyboard.press('Enter', { delay: KEY_DELAY_MS });
      else await page.keyboard.type(`${word} `, { delay: KEY_DELAY_MS });
    }
  },
  async idle() {},
  async scroll(desk, endAt) {
    await desk.raise(desk.reading);
    await desk.xdotool('mousemove', '640', '420');
    // Read a screenful, scroll on; now and then back up a little, as people do.
    for (let n = 0; Date.now() < endAt - 2000; n++) {
      await desk.xdotool('click', '--repeat', n % 5 === 4 ? '2' : '4', '--delay', '80', n % 5 === 4 ? '4' : '5');
      await sleep(Math.min(2000, endAt - Date.now()));
    }
  },
  async switch(desk, endAt) {
    for (let n = 0; Date.now() < endAt - 1000; n++) {
      await desk.raise(n % 2 ? desk.reading : desk.document);
      await sleep(Math.min(5000, endAt - Date.now()));
    }
  },
  async video(desk, endAt) {
    await desk.raise(desk.document);
    const clip = desk.document.page.locator('#clip');
    await clip.evaluate((v: HTMLVideoElement) => {
      v.style.display = 'block';
      return v.play();
    });
    await sleep(endAt - Date.now() - 200);
    await clip.evaluate((v: HTMLVideoElement) => {
      v.pause();
      v.style.display = 'none';
    });
  },
};
