/**
 * Cuts a dump into statements, line by line, so a file of any size streams through: only the
 * statement being read is held. It knows just enough SQL lexing to find the `;` that ends a
 * statement — quotes ('…', "…", `…`) with backslash escapes, and comments (`-- `, `#`, `/* … *\/`,
 * including the `/*!40101 … *\/` version comments mysqldump writes, which only SET session
 * options and are dropped) — plus the mysql client's DELIMITER command. Understanding the
 * statements is left to the SQL parser (sql-dump-source.ts).
 */
type State = 'code' | 'single' | 'double' | 'backtick' | 'block-comment';

const QUOTES: Record<string, State> = { "'": 'single', '"': 'double', '`': 'backtick' };
const CLOSING: Partial<Record<State, string>> = { single: "'", double: '"', backtick: '`' };

export class StatementSplitter {
  private state: State = 'code';
  private escaped = false;
  private delimiter = ';';
  private parts: string[] = [];
  /** Whether the statement being read has begun (a DELIMITER command only stands alone). */
  private begun = false;

  /** Feeds one line (without its newline); returns the statements it completed. */
  line(text: string): string[] {
    const done: string[] = [];
    if (this.state === 'code' && !this.begun) {
      const command = /^\s*DELIMITER\s+(\S+)\s*$/i.exec(text);
      if (command?.[1]) {
        this.delimiter = command[1];
        return done;
      }
    }
    let start = 0;
    let i = 0;
    while (i < text.length) {
      const c = text[i] as string;
      if (this.state === 'block-comment') {
        if (c === '*' && text[i + 1] === '/') {
          this.state = 'code';
          i += 2;
          start = i;
          continue;
        }
        i++;
        continue;
      }
      const closing = CLOSING[this.state];
      if (closing !== undefined) {
        if (this.escaped) this.escaped = false;
        else if (c === '\\' && this.state !== 'backtick') this.escaped = true;
        else if (c === closing) this.state = 'code';
        i++;
        continue;
      }
      // Code.
      const quote = QUOTES[c];
      if (quote) {
        this.state = quote;
        i++;
        continue;
      }
      const dashComment = c === '-' && text[i + 1] === '-' && (i + 2 >= text.length || /\s/.test(text[i + 2] ?? ''));
      if (dashComment || c === '#') {
        this.push(text.slice(start, i));
        start = text.length;
        break;
      }
      if (c === '/' && text[i + 1] === '*') {
        this.push(text.slice(start, i));
        this.parts.push(' ');
        this.state = 'block-comment';
        i += 2;
        continue;
      }
      if (text.startsWith(this.delimiter, i)) {
        this.push(text.slice(start, i));
        const statement = this.parts.join('').trim();
        if (statement) done.push(statement);
        this.parts = [];
        this.begun = false;
        i += this.delimiter.length;
        start = i;
        continue;
      }
      i++;
    }
    if (this.state !== 'block-comment') {
      this.push(text.slice(start));
      this.parts.push('\n');
    }
    return done;
  }

  private push(text: string): void {
    this.parts.push(text);
    if (!this.begun && /\S/.test(text)) this.begun = true;
  }

  /** A last statement without a closing delimiter. */
  end(): string[] {
    const statement = this.state === 'code' ? this.parts.join('').trim() : '';
    this.parts = [];
    this.begun = false;
    return statement ? [statement] : [];
  }
}
