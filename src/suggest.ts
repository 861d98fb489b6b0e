/** Levenshtein distance, for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] as number;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      prev[j] = Math.min(up + 1, (prev[j - 1] as number) + 1, diag + cost);
      diag = up;
    }
  }
  return prev[b.length] as number;
}

/** The candidate closest to `input` when it is plausibly a typo of it (or a prefix of it), else undefined. */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const score = c.startsWith(input) && input.length >= 2 ? 0.5 : editDistance(input, c);
    // Ties go to the candidate sharing the longer prefix (`--jsn` → `--json`, not `--dsn`).
    if (
      score < bestScore ||
      (score === bestScore && best !== undefined && commonPrefix(input, c) > commonPrefix(input, best))
    ) {
      best = c;
      bestScore = score;
    }
  }
  const limit = Math.max(2, Math.floor(input.length / 2));
  return bestScore <= limit ? best : undefined;
}

/** " Did you mean 'x'?" or "". */
export function didYouMean(input: string, candidates: readonly string[], prefix = ""): string {
  const c = closest(input, candidates);
  return c === undefined ? "" : ` Did you mean '${prefix}${c}'?`;
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}
