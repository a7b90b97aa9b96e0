// The offensive-language filter behind "are you sure?" (issue 19): English
// through obscenity (its dataset, with leetspeak, look-alike and
// repeated-letter handling), Russian through the russian-bad-words list of
// inflected forms plus the stems the list cannot enumerate. Only a prompt
// hangs on it (the sender may confirm), so it leans to catching.
import { englishDataset, englishRecommendedTransformers, RegExpMatcher } from 'obscenity';
import { flatWords } from 'russian-bad-words';
import { AppError } from '../../shared/errors.js';

const english = new RegExpMatcher({ ...englishDataset.build(), ...englishRecommendedTransformers });

const CYRILLIC = /[а-яё]/;
// The list mixes its grammatical labels ("noun", "interjection") with the words.
const RUSSIAN_WORDS = new Set(flatWords.map((w) => fold(w)).filter((w) => CYRILLIC.test(w) && !w.includes(' ')));
// Stems the obscene vocabulary is built from, matched at the start of a word
// (inside one they hit innocent words: страхуется, ребалансировка).
const RUSSIAN_STEMS = ['хуй', 'хуе', 'хуя', 'пизд', 'бляд', 'еба', 'ебу', 'ебл', 'заеб', 'наеб', 'уеб', 'выеб', 'проеб', 'отъеб', 'долбоеб', 'мудак', 'мудил', 'пидор', 'пидар', 'залуп'];

// Latin letters and digits that stand in for Cyrillic ones in "disguised" mat.
const LOOKALIKE: Record<string, string> = {
  a: 'а', b: 'в', c: 'с', e: 'е', h: 'н', k: 'к', m: 'м', o: 'о', p: 'р', t: 'т', x: 'х', y: 'у', u: 'и',
  '0': 'о', '3': 'з', '4': 'ч', '6': 'б', '@': 'а', '$': 'с',
};

/** Lower case, ё as е, repeated letters once (бляяя → бля). */
function fold(word: string): string {
  return word.toLowerCase().replace(/ё/g, 'е').replace(/(.)\1+/gu, '$1');
}

/** The words of a text that has Cyrillic in it, look-alikes mapped, letters spelled out with spaces joined. */
function russianWords(text: string): string[] {
  const raw = text.normalize('NFKC').toLowerCase().split(/[^\p{L}\p{N}@$]+/u).filter(Boolean);
  const words: string[] = [];
  let spelled = '';
  for (const token of raw) {
    const mapped = CYRILLIC.test(token) ? [...token].map((ch) => LOOKALIKE[ch] ?? ch).join('') : token;
    if ([...mapped].length === 1) {
      spelled += mapped;
      continue;
    }
    if (spelled) words.push(spelled), (spelled = '');
    words.push(mapped);
  }
  if (spelled) words.push(spelled);
  return words.map(fold).filter((w) => CYRILLIC.test(w));
}

function russian(text: string): boolean {
  if (!CYRILLIC.test(text.toLowerCase())) return false;
  return russianWords(text).some((w) => RUSSIAN_WORDS.has(w) || RUSSIAN_STEMS.some((stem) => w.startsWith(stem)));
}

// A match must span a letter: leetspeak alone turns plain numbers into words (455, 717).
const LETTER = /\p{L}/u;

/** The matcher's own search: every pattern over the transformed text, the whitelist, positions. */
export function englishMatchExhaustive(text: string): boolean {
  return english.getAllMatches(text).some((m) => LETTER.test(text.slice(m.startIndex, m.endIndex + 1)));
}

// A first pass for the common case, a clean message (the exhaustive search took
// about 60 µs per 100 characters, a sixth of the chat's CPU per message): the
// text transformed once as the matcher does it, and ONE scan with all of the
// dataset's patterns as one alternation. A pattern that matches somewhere makes
// the alternation match, so a text it passes has no match at all; a text it
// flags gets the exhaustive search, which decides. It uses two members of
// obscenity's RegExpMatcher (0.4) that its typings hide; without them every text
// gets the exhaustive search. test/realtime/openers-safety.test.ts checks both agree.
type Internals = {
  blacklistedTerms?: { regExp: RegExp }[];
  blacklistMatcherTransformers?: unknown;
  applyTransformers?: (input: string, transformers: unknown) => [number[], string];
};
const internals = english as unknown as Internals;
const anyPattern =
  internals.blacklistedTerms?.length && internals.blacklistMatcherTransformers && typeof internals.applyTransformers === 'function'
    ? new RegExp(internals.blacklistedTerms.map((t) => `(?:${t.regExp.source})`).join('|'), 's')
    : undefined;

export function englishMatch(text: string): boolean {
  if (anyPattern) {
    const [, transformed] = internals.applyTransformers!.call(english, text, internals.blacklistMatcherTransformers);
    if (!anyPattern.test(transformed)) return false;
  }
  return englishMatchExhaustive(text);
}

/** Whether a message should be confirmed before it is sent. */
export function isOffensive(text: string): boolean {
  return englishMatch(text) || russian(text);
}

/** "Are you sure?": the filter flagged the text; the same request with confirm: true goes through. */
export function needsConfirmation(): AppError {
  return new AppError(409, 'needs_confirmation', 'This message may hurt its reader: send it again with confirm: true if you mean it');
}
