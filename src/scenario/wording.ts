/** Small helpers that keep diagnostic messages consistent: what was found, lists, and "did you mean". */

/** A found value as a message shows it: strings quoted, numbers as is, structures by kind. */
export function describeFound(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (value instanceof Uint8Array) return 'binary data';
  if (typeof value === 'object') return 'a map';
  return typeof value;
}

/** "a", "a or b", "a, b or c". */
export function listOr(items: readonly string[]): string {
  return joinLast(items, ' or ');
}

/** "a", "a and b", "a, b and c". */
export function listAnd(items: readonly string[]): string {
  return joinLast(items, ' and ');
}

function joinLast(items: readonly string[], last: string): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')}${last}${items[items.length - 1] as string}`;
}

export function quoteAll(items: readonly string[]): string[] {
  return items.map((i) => JSON.stringify(i));
}

/** Edit distance counting insertions, deletions, substitutions and swaps of neighbours (drfit → drift is 1), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const d: number[][] = Array.from({ length: s.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= t.length; j++) (d[0] as number[])[j] = j;
  for (let i = 1; i <= s.length; i++) {
    const row = d[i] as number[];
    const prev = d[i - 1] as number[];
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let best = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) best = Math.min(best, ((d[i - 2] as number[])[j - 2] as number) + 1);
      row[j] = best;
    }
  }
  return (d[s.length] as number[])[t.length] as number;
}

/** Candidates close enough to be a likely typo of `word`, closest first (at most `max`). */
export function closest(word: string, candidates: readonly string[], max = 3): string[] {
  const limit = Math.max(1, Math.floor(word.length / 3));
  const near = candidates
    .map((c) => ({ c, d: editDistance(word, c) }))
    .filter(({ c, d }) => d <= limit || (word.length >= 3 && c.toLowerCase().includes(word.toLowerCase())))
    .sort((x, y) => x.d - y.d || x.c.localeCompare(y.c));
  // Only the best few: one edit away beats three edits away.
  const best = near[0]?.d ?? 0;
  return near
    .filter(({ d }) => d <= best + 1)
    .slice(0, max)
    .map(({ c }) => c);
}

/** `; did you mean "every"?` or an empty string. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const near = closest(word, candidates);
  return near.length === 0 ? '' : `; did you mean ${listOr(quoteAll(near))}?`;
}
