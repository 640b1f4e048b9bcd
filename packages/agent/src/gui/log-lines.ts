/** How many of its own log lines the agent keeps for its window ("copy for support"). */
const KEEP_LINES = 500;

/** The agent's last log lines, kept in memory (a few tens of KB). */
export class LogLines {
  private readonly lines: string[] = [];

  add(line: string) {
    this.lines.push(line);
    if (this.lines.length > KEEP_LINES) this.lines.splice(0, this.lines.length - KEEP_LINES);
  }

  all(): string[] {
    return [...this.lines];
  }
}
