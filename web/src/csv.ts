/** Minimal CSV reading for previews: separator detection and quoted fields (RFC 4180). */
export function detectSeparator(line: string): string {
  const counts = [';', ',', '\t', '|'].map((sep) => [sep, line.split(sep).length - 1] as const);
  counts.sort((a, b) => b[1] - a[1]);
  return counts[0] && counts[0][1] > 0 ? counts[0][0] : ';';
}

export function parseCsv(text: string, sep = detectSeparator(text.split(/\r?\n/, 1)[0] ?? '')): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === sep) {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.some((f) => f.trim() !== ''));
}

const fold = (s: string) =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .trim();

/** Guesses the address and lon/lat columns from a header. */
export function guessColumns(header: string[]): {
  address: number | null;
  lon: number | null;
  lat: number | null;
} {
  const names = header.map(fold);
  const find = (re: RegExp) => {
    const i = names.findIndex((n) => re.test(n));
    return i >= 0 ? i : null;
  };
  return {
    address: find(/adresse|address|^adr|libelle|label/),
    lon: find(/^(lon|lng|long|longitude|x)$/),
    lat: find(/^(lat|latitude|y)$/),
  };
}
