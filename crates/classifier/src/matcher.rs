//! Leftmost-longest phrase matching over the encoder's units (one per character), on
//! [`daachorse`]'s character-wise double-array Aho-Corasick automaton.
//!
//! Each unit is handed to the automaton as one character (see [`unit_char`]); it reports every
//! phrase occurrence, overlapping ones included, as the text is consumed. Word bounds are
//! checked on each occurrence before selection: a phrase that starts with an ASCII letter or
//! digit only matches where the text before it is not one, and likewise at its end. The
//! occurrences that pass are then reduced to the leftmost-longest, non-overlapping ones, so a
//! phrase that fails its bounds does not shadow a shorter one at the same start.

use daachorse::CharwiseDoubleArrayAhoCorasick;

/// ASCII letters and digits.
const WORD: [bool; 128] = {
    let mut table = [false; 128];
    let mut b = 0;
    while b < 128 {
        table[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    table
};

/// Whether unit `u` is an ASCII letter or digit.
#[inline]
pub(crate) fn is_word(u: u16) -> bool {
    WORD.get(usize::from(u)).copied().unwrap_or(false)
}

/// The character that stands for unit `u` in the automaton: the unit's own code point, or for
/// the surrogate range (not characters) one in U+1D800..=U+1DFFF. The map is one-to-one, so
/// phrases and text meet exactly as their units would.
fn unit_char(u: u16) -> char {
    let cp = u32::from(u);
    match char::from_u32(cp) {
        Some(c) => c,
        // Surrogates 0xD800..=0xDFFF land on 0x1D800..=0x1DFFF, all valid characters.
        None => char::from_u32(0x1_0000 + cp).unwrap_or(char::REPLACEMENT_CHARACTER),
    }
}

/// Stands for every unit that no phrase contains: it is never a phrase character (those are
/// at most U+1DFFF), so the automaton treats it as it would the unit itself.
const ABSENT: char = char::MAX;

/// One phrase known to the automaton.
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// The caller's phrase id (the first among identical phrases).
    id: u32,
    /// Length in units.
    len: u32,
    /// Whether the first unit is an ASCII letter or digit (a start bound applies).
    word_start: bool,
    /// Whether the last unit is an ASCII letter or digit (an end bound applies).
    word_end: bool,
}

/// A compiled phrase set.
#[derive(Clone)]
pub(crate) struct Matcher {
    /// The automaton over the distinct non-empty phrases; its values index `entries`. `None`
    /// when there are no such phrases (daachorse needs at least one).
    pma: Option<CharwiseDoubleArrayAhoCorasick<u32>>,
    /// The distinct non-empty phrases, in the order given to the automaton.
    entries: Vec<Entry>,
    /// `chars[u]` is [`unit_char`]`(u)` for every unit up to the largest one in a phrase; the
    /// units above occur in no phrase and stand as [`ABSENT`].
    chars: Vec<char>,
}

impl std::fmt::Debug for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Matcher")
            .field("phrases", &self.entries.len())
            .field(
                "states",
                &self
                    .pma
                    .as_ref()
                    .map_or(0, CharwiseDoubleArrayAhoCorasick::num_states),
            )
            .finish()
    }
}

/// The phrase set could not be compiled (too many or too long phrases for the automaton).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TooLarge(pub String);

/// One occurrence: start and end unit offsets and the caller's phrase id.
type Occurrence = (usize, usize, u32);

impl Matcher {
    /// Builds the matcher; phrase `i` of `phrases` is reported as id `i`. Among identical
    /// phrases the first wins. Empty phrases never match.
    pub(crate) fn build<'a>(
        phrases: impl IntoIterator<Item = &'a [u16]>,
    ) -> Result<Self, TooLarge> {
        let mut seen: std::collections::HashSet<&[u16]> = std::collections::HashSet::new();
        let mut entries = Vec::new();
        let mut top = 0u16;
        let mut patterns: Vec<(String, u32)> = Vec::new();
        for (id, code) in phrases.into_iter().enumerate() {
            let (Some(&first), Some(&last)) = (code.first(), code.last()) else {
                continue;
            };
            if !seen.insert(code) {
                continue;
            }
            let too_many = || TooLarge(format!("more than {} phrases", u32::MAX));
            let value = u32::try_from(entries.len()).map_err(|_| too_many())?;
            entries.push(Entry {
                id: u32::try_from(id).map_err(|_| too_many())?,
                len: u32::try_from(code.len())
                    .map_err(|_| TooLarge(format!("phrase {id} is too long")))?,
                word_start: is_word(first),
                word_end: is_word(last),
            });
            top = code.iter().copied().fold(top, u16::max);
            patterns.push((code.iter().map(|&u| unit_char(u)).collect(), value));
        }
        let pma = if patterns.is_empty() {
            None
        } else {
            Some(
                CharwiseDoubleArrayAhoCorasick::with_values(patterns)
                    .map_err(|e| TooLarge(e.to_string()))?,
            )
        };
        let chars = (0..=top).map(unit_char).collect();
        Ok(Matcher {
            pma,
            entries,
            chars,
        })
    }

    /// Memory used by the tables, in bytes.
    pub(crate) fn memory_usage(&self) -> usize {
        self.pma
            .as_ref()
            .map_or(0, CharwiseDoubleArrayAhoCorasick::heap_bytes)
            + self.entries.len() * std::mem::size_of::<Entry>()
            + self.chars.len() * std::mem::size_of::<char>()
    }

    /// Calls `f(start, end, phrase)` for each leftmost-longest, non-overlapping match in
    /// `text`, in order. With `bounds`, phrases respect ASCII word bounds (see the module
    /// documentation).
    #[inline]
    pub(crate) fn for_each(&self, text: &[u16], bounds: bool, f: impl FnMut(usize, usize, u32)) {
        let Some(pma) = &self.pma else { return };
        // The occurrences go to a buffer kept per thread (no allocation per text); a nested
        // call, which the engine never makes, would get a fresh one.
        let mut f = Some(f);
        let _ = OCCURRENCES.try_with(|cell| {
            if let Ok(mut buf) = cell.try_borrow_mut()
                && let Some(f) = f.take()
            {
                self.select(pma, text, bounds, &mut buf, f);
            }
        });
        // A nested call (the engine makes none) or a thread being torn down: a fresh buffer.
        if let Some(f) = f {
            self.select(pma, text, bounds, &mut Vec::new(), f);
        }
    }

    /// Collects in `found` (cleared first) every occurrence in `text` that passes its bounds,
    /// then calls `f` on the leftmost-longest, non-overlapping ones.
    #[inline]
    fn select(
        &self,
        pma: &CharwiseDoubleArrayAhoCorasick<u32>,
        text: &[u16],
        bounds: bool,
        found: &mut Vec<Occurrence>,
        mut f: impl FnMut(usize, usize, u32),
    ) {
        found.clear();
        let mut stepper = pma.find_overlapping_stepper();
        for (i, &u) in text.iter().enumerate() {
            stepper.consume(self.chars.get(usize::from(u)).copied().unwrap_or(ABSENT));
            let end = i + 1;
            for m in stepper.matches() {
                let Some(e) = self.entries.get(m.value() as usize) else {
                    continue;
                };
                // A phrase ending at `end` starts `len` units before it (it lies in the text).
                let start = end.saturating_sub(e.len as usize);
                if bounds
                    && ((e.word_start
                        && start > 0
                        && text.get(start - 1).is_some_and(|&b| is_word(b)))
                        || (e.word_end && text.get(end).is_some_and(|&a| is_word(a))))
                {
                    continue;
                }
                found.push((start, end, e.id));
            }
        }
        // Leftmost first, longest first at one start (distinct phrases never share both ends).
        found.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let mut from = 0usize;
        for &(start, end, id) in found.iter() {
            if start >= from {
                f(start, end, id);
                from = end;
            }
        }
    }
}

thread_local! {
    /// Scratch for [`Matcher::for_each`]: the occurrences of the text being matched.
    static OCCURRENCES: std::cell::RefCell<Vec<Occurrence>> = const {
        std::cell::RefCell::new(Vec::new())
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The specification: at each position the longest phrase (first among equals) that
    /// matches there and satisfies its bounds; continue after it.
    fn naive(phrases: &[Vec<u16>], text: &[u16], bounds: bool) -> Vec<(usize, usize, u32)> {
        let mut out = Vec::new();
        let mut p = 0;
        while p < text.len() {
            let mut best: Option<(usize, u32)> = None;
            for (id, ph) in phrases.iter().enumerate() {
                if ph.is_empty() || !text[p..].starts_with(ph) {
                    continue;
                }
                let end = p + ph.len();
                if bounds {
                    if is_word(ph[0]) && p > 0 && is_word(text[p - 1]) {
                        continue;
                    }
                    if is_word(ph[ph.len() - 1]) && end < text.len() && is_word(text[end]) {
                        continue;
                    }
                }
                if best.is_none_or(|(e, _)| end > e) {
                    best = Some((end, id as u32));
                }
            }
            match best {
                Some((end, id)) => {
                    out.push((p, end, id));
                    p = end;
                }
                None => p += 1,
            }
        }
        out
    }

    fn units(s: &str) -> Vec<u16> {
        s.chars().map(|c| u32::from(c) as u16).collect()
    }

    fn run(m: &Matcher, text: &[u16], bounds: bool) -> Vec<(usize, usize, u32)> {
        let mut out = Vec::new();
        m.for_each(text, bounds, |s, e, id| out.push((s, e, id)));
        out
    }

    #[test]
    fn finds_leftmost_longest_with_bounds() {
        let phrases: Vec<Vec<u16>> = ["down", "is down", "we", "wechat", "x", "ab", "abc", "崩了"]
            .map(units)
            .to_vec();
        let m = Matcher::build(phrases.iter().map(Vec::as_slice)).unwrap();
        let t = units("wechat is down");
        assert_eq!(run(&m, &t, true), vec![(0, 6, 3), (7, 14, 1)]);
        // "this down": "is down" would start inside a word, so "down" matches alone.
        let t = units("this down");
        assert_eq!(run(&m, &t, true), vec![(5, 9, 0)]);
        assert_eq!(run(&m, &t, false), vec![(2, 9, 1)]);
        // "abcd": "abc" fails its end bound, and so does "ab": nothing.
        assert_eq!(run(&m, &units("abcd x"), true), vec![(5, 6, 4)]);
        assert_eq!(run(&m, &units("abc-ab"), true), vec![(0, 3, 6), (4, 6, 5)]);
        assert_eq!(
            run(&m, &units("微信崩了x"), true),
            vec![(2, 4, 7), (4, 5, 4)]
        );
        assert_eq!(run(&m, &[], true), vec![]);
    }

    #[test]
    fn nested_calls_get_their_own_buffer() {
        let phrases: Vec<Vec<u16>> = ["ab", "b", "崩了"].map(units).to_vec();
        let m = Matcher::build(phrases.iter().map(Vec::as_slice)).unwrap();
        let t = units("ab 崩了 b");
        let mut outer = Vec::new();
        m.for_each(&t, true, |s, e, id| {
            outer.push((s, e, id, run(&m, &units("xb b"), true)));
        });
        let inner = vec![(3, 4, 1)];
        assert_eq!(
            outer,
            vec![
                (0, 2, 0, inner.clone()),
                (3, 5, 2, inner.clone()),
                (6, 7, 1, inner)
            ]
        );
        // No phrases at all (or only empty ones): nothing matches, nothing fails.
        let empty = Matcher::build([&[][..]]).unwrap();
        assert_eq!(run(&empty, &t, true), vec![]);
    }

    #[test]
    fn agrees_with_the_naive_specification() {
        // A small alphabet makes overlaps, shared prefixes and bound conflicts common.
        // 0xD900 is a surrogate code point: such units still match as themselves.
        let alphabet: [u16; 9] = [0x61, 0x62, 0x31, 0x20, 0x01, 0x80, 0x81, 0x4E00, 0xD900];
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for round in 0..300 {
            let count = 1 + next(12);
            let phrases: Vec<Vec<u16>> = (0..count)
                .map(|_| {
                    (0..1 + next(5))
                        .map(|_| alphabet[next(alphabet.len())])
                        .collect()
                })
                .collect();
            let m = Matcher::build(phrases.iter().map(Vec::as_slice)).unwrap();
            for _ in 0..20 {
                let text: Vec<u16> = (0..next(40))
                    .map(|_| alphabet[next(alphabet.len())])
                    .collect();
                for bounds in [false, true] {
                    assert_eq!(
                        run(&m, &text, bounds),
                        naive(&phrases, &text, bounds),
                        "round {round}, phrases {phrases:?}, text {text:?}, bounds {bounds}"
                    );
                }
            }
        }
    }
}
