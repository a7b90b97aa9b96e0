// Unique openers (issue 19): the first message of a conversation may not be a
// near-copy of one the same sender opened another conversation with lately.
// Texts are compared normalised (case, spacing, emoji, digits and punctuation
// do not count), by edit distance over the longer length; a text with no
// letters left (an emoji, a number) has nothing to compare and passes.
import { distance } from 'fastest-levenshtein';

/** Letters only, lower case, single spaces: "Hi 👋  Anna!!1" → "hi anna". */
export function normaliseOpener(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\s]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** 1 for the same normalised text, 0 for nothing in common. */
export function openerSimilarity(a: string, b: string): number {
  const longer = Math.max(a.length, b.length);
  return longer === 0 ? 1 : 1 - distance(a, b) / longer;
}

/** The earlier opener `text` copies (at least `threshold` alike), if any. */
export function copiedOpener(text: string, earlier: string[], threshold: number): string | undefined {
  const mine = normaliseOpener(text);
  if (!mine) return undefined;
  return earlier.find((e) => {
    const other = normaliseOpener(e);
    return other !== '' && openerSimilarity(mine, other) >= threshold;
  });
}
