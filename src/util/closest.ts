/** Edit distance (insert, delete, substitute, swap two neighbours: a typo's edits), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const d: number[][] = Array.from({ length: x.length + 1 }, (_, i) =>
    Array.from({ length: y.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= x.length; i++) {
    const row = d[i] as number[];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      row[j] = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1])
        row[j] = Math.min(at(i, j), at(i - 2, j - 2) + 1);
    }
  }
  return at(x.length, y.length);
}

/**
 * The candidates closest to `name` (up to `max`, all at the same, smallest distance), when close enough to be a
 * typo of it: at most a third of the name's length, at least 1, at most 4 edits.
 */
export function closestNames(name: string, candidates: Iterable<string>, max = 3): string[] {
  const allowed = Math.max(1, Math.min(4, Math.floor(name.length / 3)));
  const scored = [...new Set(candidates)]
    .filter((candidate) => candidate !== name)
    .map((candidate) => ({ candidate, distance: editDistance(name, candidate) }))
    .filter(({ distance }) => distance <= allowed);
  const best = Math.min(...scored.map(({ distance }) => distance));
  return scored
    .filter(({ distance }) => distance === best)
    .slice(0, max)
    .map(({ candidate }) => candidate);
}

/** "did you mean a, b or c?" for a non-empty list. */
export function didYouMean(names: readonly string[]): string {
  const first = names.slice(0, -1);
  const last = names.at(-1);
  return `did you mean ${first.length > 0 ? `${first.join(", ")} or ${last}` : last}?`;
}
