/**
 * True when every topic `requested` matches also matches `allowed` (AMQP topic rules: `*` one
 * word, `#` zero or more), so a client asking for `requested` can never see more than `allowed`
 * lets through: `TTS.*` covers `TTS.Started` and `TTS.*`, but not `TTS.#` nor `#`.
 */
export function covers(allowed: string, requested: string): boolean {
  const granted = normalize(allowed);
  const wanted = normalize(requested);
  const memo = new Map<number, boolean>();
  // Does wanted[i..] ⊆ granted[j..]? Memoised on (i, j): `#` on both sides branches.
  const from = (i: number, j: number): boolean => {
    const key = i * (granted.length + 1) + j;
    let result = memo.get(key);
    if (result !== undefined) return result;
    if (j === granted.length) result = i === wanted.length;
    else if (granted[j] === '#') result = from(i, j + 1) || (i < wanted.length && from(i + 1, j));
    else if (i === wanted.length || wanted[i] === '#') result = false;
    else if (granted[j] === '*') result = from(i + 1, j + 1);
    else result = wanted[i] === granted[j] && from(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return from(0, 0);
}

/** True when one of the `allowed` patterns covers `requested`. */
export function coveredByAny(allowed: readonly string[], requested: string): boolean {
  return allowed.some((pattern) => covers(pattern, requested));
}

// A run of wildcard words matches the same topics in any order (`#.*` and `*.#` both mean "one or
// more words"); writing each run as its stars then at most one `#` lets the walk above decide
// coverage exactly, without backtracking over equivalent spellings.
function normalize(pattern: string): string[] {
  const words: string[] = [];
  let stars = 0;
  let hash = false;
  const flush = () => {
    for (; stars > 0; stars--) words.push('*');
    if (hash) words.push('#');
    hash = false;
  };
  for (const word of pattern.split('.')) {
    if (word === '*') stars += 1;
    else if (word === '#') hash = true;
    else {
      flush();
      words.push(word);
    }
  }
  flush();
  return words;
}
