/**
 * Globs for image exclusions and repository matches, matched without regular expressions.
 *
 * `*` matches any run of characters (including `/`), `?` exactly one character; every other
 * character stands for itself. A RegExp built from `*` → `.*` backtracks: one 100 KB image string
 * against `*.dkr.ecr.*.amazonaws.com/*` held the event loop for seconds. Here the pattern is split
 * at its stars into literal segments; the first must be a prefix, the last a suffix, and each
 * middle one is taken at its leftmost occurrence after the previous one. Leftmost is always safe
 * (a later occurrence only leaves less text for the rest), so nothing is ever retried: the text
 * is scanned once, and the cost is at most text length × longest segment. Pure.
 */

/** A compiled glob: call it with the text to test. */
export type GlobMatcher = (text: string) => boolean;

const ANY_ONE = '?';

/** Whether `segment` (with `?` wildcards) matches `text` at `offset`, character for character. */
function segmentMatchesAt(segment: string, text: string, offset: number): boolean {
  for (let i = 0; i < segment.length; i += 1) {
    const expected = segment.charCodeAt(i);
    if (expected !== 0x3f && expected !== text.charCodeAt(offset + i)) return false;
  }
  return true;
}

/** The first offset ≥ `from` where `segment` matches, or -1. */
function findSegment(segment: string, text: string, from: number): number {
  if (!segment.includes(ANY_ONE)) return text.indexOf(segment, from);
  for (let offset = from; offset + segment.length <= text.length; offset += 1) {
    if (segmentMatchesAt(segment, text, offset)) return offset;
  }
  return -1;
}

/** Compiles `glob` once; the matcher allocates nothing per call. */
export function compileGlob(glob: string): GlobMatcher {
  const segments = glob.split('*');
  const first = segments[0] ?? '';
  if (segments.length === 1) {
    return (text) => text.length === first.length && segmentMatchesAt(first, text, 0);
  }
  const last = segments[segments.length - 1] ?? '';
  const middle = segments.slice(1, -1).filter((segment) => segment !== '');
  const minimumLength = first.length + last.length + middle.reduce((sum, s) => sum + s.length, 0);
  return (text) => {
    if (text.length < minimumLength) return false;
    if (!segmentMatchesAt(first, text, 0)) return false;
    const suffixStart = text.length - last.length;
    if (!segmentMatchesAt(last, text, suffixStart)) return false;
    let cursor = first.length;
    for (const segment of middle) {
      const found = findSegment(segment, text, cursor);
      if (found === -1 || found + segment.length > suffixStart) return false;
      cursor = found + segment.length;
    }
    return true;
  };
}

/** One-off match; compile with {@link compileGlob} when the glob is used more than once. */
export function globMatches(glob: string, text: string): boolean {
  return compileGlob(glob)(text);
}
