import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Words of the generated text: office prose, the same every run (a seeded generator picks them). */
const WORDS = (
  'the report shows that revenue grew in the third quarter while costs of operations stayed within budget ' +
  'customers asked for faster delivery and the team answered with a new schedule for every region ' +
  'please review the attached figures before the meeting on Thursday and send your comments to finance ' +
  'our plan for next year keeps hiring flat invests in training and replaces the oldest servers ' +
  'sales in the north were lower than expected because two large orders moved into January'
).split(' ');

/** A small deterministic generator (mulberry32): the same text on every run. */
function seeded(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sentence(random: () => number): string {
  const words = Array.from({ length: 8 + Math.floor(random() * 12) }, () => WORDS[Math.floor(random() * WORDS.length)]);
  const text = words.join(' ');
  return `${text[0].toUpperCase()}${text.slice(1)}.`;
}

function paragraphs(random: () => number, count: number): string[] {
  return Array.from({ length: count }, () => Array.from({ length: 3 + Math.floor(random() * 4) }, () => sentence(random)).join(' '));
}

/** What the person types in the document, in order (repeated when a phase is longer). */
export function typedText(): string {
  return paragraphs(seeded(7), 12).join('\n');
}

const STYLE = `body{margin:0;font:15px/1.55 "DejaVu Sans",Arial,sans-serif;background:#e8eaed;color:#202124}
header{background:#2b579a;color:#fff;padding:8px 16px;font-size:14px}
.toolbar{background:#f3f3f3;border-bottom:1px solid #c8c8c8;padding:6px 16px;font-size:13px;color:#333}
main{background:#fff;width:760px;margin:16px auto;padding:40px 64px;min-height:1200px;box-shadow:0 1px 3px #999;outline:none}
h1{font-size:26px;margin:0 0 12px}h2{font-size:19px;margin:22px 0 8px}
video{position:fixed;right:16px;bottom:16px;width:320px;height:240px;display:none;box-shadow:0 2px 8px #000;background:#000}`;

const page = (title: string, body: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title><style>${STYLE}</style></head><body>${body}</body></html>`;

export interface Assets {
  document: string;
  reading: string;
}

/**
 * The two windows of the office session (a document being written, a long page being read) and the clip that
 * plays in a corner: a moving test picture made by ffmpeg (lavfi testsrc), nothing downloaded.
 */
export async function makeAssets(dir: string, ffmpeg: string): Promise<Assets> {
  fs.mkdirSync(dir, { recursive: true });
  const random = seeded(42);
  const document = path.join(dir, 'document.html');
  const reading = path.join(dir, 'reading.html');
  const intro = paragraphs(random, 3).map((p) => `<p>${p}</p>`).join('');
  fs.writeFileSync(
    document,
    page(
      'Quarterly report - Editor',
      `<header>Editor — Quarterly report.docx</header><div class="toolbar">File · Edit · View · Insert · Format · Tools · Help &nbsp;|&nbsp; <b>B</b> <i>I</i> <u>U</u> &nbsp;|&nbsp; Normal text · DejaVu Sans · 11</div>` +
        `<main id="doc" contenteditable="true"><h1>Quarterly report</h1>${intro}<p id="typing"><br></p></main><video id="clip" src="clip.webm" muted loop></video>`,
    ),
  );
  const sections = Array.from({ length: 40 }, (_, i) => `<h2>${i + 1}. ${sentence(random).slice(0, 40)}</h2>${paragraphs(random, 5).map((p) => `<p>${p}</p>`).join('')}`);
  fs.writeFileSync(reading, page('Staff handbook - Reading', `<header>Intranet — Staff handbook</header><main><h1>Staff handbook</h1>${sections.join('')}</main>`));
  await run(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-t', '60', '-c:v', 'libvpx', '-b:v', '600k', path.join(dir, 'clip.webm')]);
  return { document, reading };
}
