import fs from 'node:fs';
import path from 'node:path';

/**
 * An `Exec=` value of a freedesktop.org desktop entry: each word quoted, with the quoting rules of the
 * Desktop Entry Specification (inside quotes `"`, `` ` ``, `$` and `\` are escaped; `%` starts a field code;
 * and the value as a whole escapes `\` once more).
 */
export function desktopExec(words: string[]): string {
  const quoted = words.map((word) => `"${word.replace(/["`$\\]/g, (c) => `\\${c}`).replace(/%/g, '%%')}"`);
  return quoted.join(' ').replace(/\\/g, '\\\\');
}

/** Writes a desktop entry (`[Desktop Entry]` with these keys, in order). */
export function writeDesktopEntry(file: string, keys: Record<string, string>) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const lines = Object.entries(keys).map(([key, value]) => `${key}=${value}`);
  fs.writeFileSync(file, ['[Desktop Entry]', ...lines, ''].join('\n'));
}
