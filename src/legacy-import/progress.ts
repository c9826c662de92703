/**
 * Progress of a long import, on stderr (stdout stays the report, pure JSON with --json). On a
 * terminal a bar redrawn in place; otherwise (a log file, CI) one plain line per step.
 */
export interface ImportProgress {
  phase(label: string, total: number): void;
  advance(count: number): void;
  finish(): void;
}

export const silentProgress: ImportProgress = { phase() {}, advance() {}, finish() {} };

const WIDTH = 30;

export function streamProgress(stream: NodeJS.WriteStream): ImportProgress {
  let label = '';
  let total = 0;
  let done = 0;
  let drawn = false;
  const tty = stream.isTTY === true;
  const draw = () => {
    const share = total === 0 ? 1 : Math.min(1, done / total);
    if (tty) {
      const filled = Math.round(share * WIDTH);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}`;
      stream.write(`\r${label.padEnd(22)} ${bar} ${String(Math.floor(share * 100)).padStart(3)}%  ${done}/${total}`);
      drawn = true;
    } else {
      stream.write(`${label}: ${done}/${total}\n`);
    }
  };
  const endLine = () => {
    if (tty && drawn) stream.write('\n');
    drawn = false;
  };
  return {
    phase(nextLabel, nextTotal) {
      endLine();
      label = nextLabel;
      total = nextTotal;
      done = 0;
      draw();
    },
    advance(count) {
      done += count;
      draw();
    },
    finish: endLine,
  };
}
