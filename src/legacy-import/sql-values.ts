/**
 * Values of an INSERT as node-sql-parser gives them, turned into the text MySQL would have
 * stored. The parser decodes some escapes itself (\n \t \r \b \f and \u followed by four hex digits) and leaves the rest as
 * written (\\ \' \" \0 \Z, and quotes doubled inside quotes); `unescapeRest` finishes the job the
 * way MySQL reads a string literal (https://dev.mysql.com/doc/refman/8.0/en/string-literals.html).
 */
export type SqlValue = string | null;

interface Node {
  type?: unknown;
  value?: unknown;
  values?: unknown;
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null;
}

const SPECIAL: Record<string, string> = { '0': '\0', Z: '\x1a' };

export function unescapeRest(raw: string, quote: "'" | '"'): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (c === '\\' && i + 1 < raw.length) {
      const next = raw[i + 1] as string;
      // MySQL keeps the backslash before % and _ (they are LIKE wildcards).
      out += next === '%' || next === '_' ? `\\${next}` : (SPECIAL[next] ?? next);
      i++;
    } else if (c === quote && raw[i + 1] === quote) {
      out += quote;
      i++;
    } else {
      out += c;
    }
  }
  return out;
}

/** One value expression of a VALUES row; functions and expressions (NOW(), 1+1) become ''. */
export function sqlValue(node: unknown): SqlValue {
  if (!isNode(node)) return null;
  const { type, value } = node;
  switch (type) {
    case 'null':
      return null;
    case 'number':
    case 'bigint':
    case 'bool':
    case 'boolean':
      return String(value);
    case 'single_quote_string':
    case 'string':
    case 'natural_string':
      return typeof value === 'string' ? unescapeRest(value, "'") : '';
    case 'double_quote_string':
      return typeof value === 'string' ? unescapeRest(value, '"') : '';
    case 'hex_string':
    case 'full_hex_string':
      // phpMyAdmin writes binary columns as 0x…; the old tables' text is UTF-8.
      return typeof value === 'string' ? Buffer.from(value, 'hex').toString('utf8') : '';
    default:
      return '';
  }
}

/** The rows of `INSERT … VALUES (…), (…)` as arrays of values. */
export function insertRows(ast: unknown): SqlValue[][] {
  if (!isNode(ast) || !isNode(ast.values)) return [];
  const rows = ast.values.values;
  if (!Array.isArray(rows)) return [];
  return rows.map((row: unknown) => {
    const list = isNode(row) ? row.value : undefined;
    return Array.isArray(list) ? list.map(sqlValue) : [];
  });
}

/** Column names of an INSERT's own list (null when it has none: the table's order applies). */
export function insertColumns(ast: unknown): string[] | null {
  if (!isNode(ast)) return null;
  const columns = (ast as { columns?: unknown }).columns;
  if (!Array.isArray(columns)) return null;
  return columns.map((c: unknown) => (typeof c === 'string' ? c : columnName(c)));
}

function columnName(node: unknown): string {
  if (typeof node === 'string') return node;
  if (!isNode(node)) return '';
  const column = (node as { column?: unknown }).column;
  if (typeof column === 'string') return column;
  // Newer parser versions wrap names: { expr: { type: 'default', value: 'id' } }.
  if (isNode(column)) {
    const expr = (column as { expr?: unknown }).expr;
    if (isNode(expr) && typeof expr.value === 'string') return expr.value;
  }
  return typeof node.value === 'string' ? node.value : '';
}

/** The column names of `CREATE TABLE`, in order. */
export function createTableColumns(ast: unknown): string[] {
  if (!isNode(ast)) return [];
  const definitions = (ast as { create_definitions?: unknown }).create_definitions;
  if (!Array.isArray(definitions)) return [];
  return definitions
    .filter((d: unknown) => isNode(d) && (d as { resource?: unknown }).resource === 'column')
    .map((d: unknown) => columnName((d as { column?: unknown }).column));
}
