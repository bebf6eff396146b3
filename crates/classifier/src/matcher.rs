//! Leftmost-longest phrase matching over the encoder's byte code.
//!
//! The phrases are short (most are 2–6 characters) and the code text is mostly bytes that
//! start no phrase (`OTHER`, trail bytes), so a general automaton spends most of its time on
//! bookkeeping. This matcher is a trie over code bytes with a dense root, a 64 Ki-bit filter
//! of the byte pairs that begin a phrase, and one open-addressing table for the other edges.
//! At each position it walks the trie as far as the text allows and keeps the longest phrase
//! that ends there; it then continues after that match (or one byte further when none).
//!
//! Word bounds are part of the match: a phrase that starts with an ASCII letter or digit only
//! matches where the text before it is not one, and likewise at its end. A phrase that fails
//! its bounds does not shadow a shorter one at the same start, and positions inside an ASCII
//! word are skipped outright (no phrase may start there).

/// No phrase.
const NONE: u32 = u32::MAX;

/// Largest node id: node ids share a `u32` key with one byte.
const MAX_NODES: usize = 1 << 24;

#[inline]
fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// A compiled phrase set.
#[derive(Debug, Clone)]
pub(crate) struct Matcher {
    /// Node reached from the root by each first byte (0: no phrase starts with it).
    root: Box<[u32; 256]>,
    /// Phrase ending at each node, or [`NONE`].
    accept: Vec<u32>,
    /// Bit `b0 << 8 | b1` is set when some phrase of two or more bytes starts with `b0 b1`.
    pairs: Box<[u64; 1024]>,
    /// Edges below the root: `(key + 1, child)` with `key = node << 8 | byte`; 0 = empty slot.
    edges: Vec<(u32, u32)>,
    /// `edges.len() - 1` (a power of two minus one).
    mask: usize,
}

/// The phrase set is too large for the matcher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooLarge;

impl Matcher {
    /// Builds the matcher; phrase `i` of `phrases` is reported as id `i`. Among identical
    /// phrases the first wins. Empty phrases never match.
    pub(crate) fn build<'a>(phrases: impl IntoIterator<Item = &'a [u8]>) -> Result<Self, TooLarge> {
        let mut root = Box::new([0u32; 256]);
        let mut pairs = Box::new([0u64; 1024]);
        let mut accept = vec![NONE];
        let mut children: std::collections::HashMap<u32, u32> = std::collections::HashMap::new();
        for (id, code) in phrases.into_iter().enumerate() {
            let Some((&first, rest)) = code.split_first() else {
                continue;
            };
            let id = u32::try_from(id).map_err(|_| TooLarge)?;
            let mut node = match root[usize::from(first)] {
                0 => {
                    let n = new_node(&mut accept)?;
                    root[usize::from(first)] = n;
                    n
                }
                n => n,
            };
            if let Some(&second) = rest.first() {
                let bit = usize::from(first) << 8 | usize::from(second);
                pairs[bit >> 6] |= 1 << (bit & 63);
            }
            for &b in rest {
                let key = node << 8 | u32::from(b);
                node = match children.get(&key) {
                    Some(&c) => c,
                    None => {
                        let c = new_node(&mut accept)?;
                        children.insert(key, c);
                        c
                    }
                };
            }
            let slot = &mut accept[node as usize];
            if *slot == NONE {
                *slot = id;
            }
        }
        // Load factor at most 1/2, so probes stay short and a miss ends at an empty slot soon.
        let size = (children.len() * 2).next_power_of_two().max(16);
        let mask = size - 1;
        let mut edges = vec![(0u32, 0u32); size];
        // Insert in key order, so the table does not depend on the hash map's iteration order.
        let mut sorted: Vec<(u32, u32)> = children.into_iter().collect();
        sorted.sort_unstable();
        for (key, child) in sorted {
            let mut i = slot_of(key, mask);
            while edges[i].0 != 0 {
                i = (i + 1) & mask;
            }
            edges[i] = (key + 1, child);
        }
        Ok(Matcher {
            root,
            accept,
            pairs,
            edges,
            mask,
        })
    }

    /// Memory used by the tables, in bytes.
    pub(crate) fn memory_usage(&self) -> usize {
        std::mem::size_of::<[u32; 256]>()
            + std::mem::size_of::<[u64; 1024]>()
            + self.accept.len() * 4
            + self.edges.len() * 8
    }

    #[inline]
    fn child(&self, node: u32, b: u8) -> Option<u32> {
        let key = (node << 8 | u32::from(b)) + 1;
        let mut i = slot_of(key - 1, self.mask);
        loop {
            let (k, v) = self.edges[i];
            if k == key {
                return Some(v);
            }
            if k == 0 {
                return None;
            }
            i = (i + 1) & self.mask;
        }
    }

    #[inline]
    fn pair(&self, b0: u8, b1: u8) -> bool {
        let bit = usize::from(b0) << 8 | usize::from(b1);
        self.pairs[bit >> 6] & (1 << (bit & 63)) != 0
    }

    /// Calls `f(start, end, phrase)` for each leftmost-longest, non-overlapping match in
    /// `text`, in order. With `bounds`, phrases respect ASCII word bounds (see the module
    /// documentation).
    #[inline]
    pub(crate) fn for_each(&self, text: &[u8], bounds: bool, mut f: impl FnMut(usize, usize, u32)) {
        let n = text.len();
        let mut p = 0usize;
        while p < n {
            let b = text[p];
            let start = self.root[usize::from(b)];
            if start == 0 {
                p += 1;
                continue;
            }
            let word = bounds && is_word(b);
            if word && p > 0 && is_word(text[p - 1]) {
                // Inside an ASCII word: no phrase may start here or before the word ends.
                p += 1;
                while p < n && is_word(text[p]) {
                    p += 1;
                }
                continue;
            }
            let (mut end, mut found) = (0usize, NONE);
            let mut node = start;
            let mut j = p + 1;
            loop {
                let acc = self.accept[node as usize];
                if acc != NONE && !(bounds && j < n && is_word(text[j - 1]) && is_word(text[j])) {
                    (end, found) = (j, acc);
                }
                let Some(&next) = text.get(j) else { break };
                if j == p + 1 && !self.pair(b, next) {
                    break;
                }
                match self.child(node, next) {
                    Some(c) => node = c,
                    None => break,
                }
                j += 1;
            }
            if found != NONE {
                f(p, end, found);
                p = end;
            } else if word {
                // A word start without a phrase: the rest of the word starts none either.
                p += 1;
                while p < n && is_word(text[p]) {
                    p += 1;
                }
            } else {
                p += 1;
            }
        }
    }
}

#[inline]
fn slot_of(key: u32, mask: usize) -> usize {
    // Fibonacci hashing: the high bits of the product are well mixed.
    (key.wrapping_mul(0x9E37_79B1).rotate_left(16) as usize) & mask
}

fn new_node(accept: &mut Vec<u32>) -> Result<u32, TooLarge> {
    if accept.len() >= MAX_NODES {
        return Err(TooLarge);
    }
    accept.push(NONE);
    // Checked against MAX_NODES (< 2^24) above.
    Ok((accept.len() - 1) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The specification: at each position the longest phrase (first among equals) that
    /// matches there and satisfies its bounds; continue after it.
    fn naive(phrases: &[&[u8]], text: &[u8], bounds: bool) -> Vec<(usize, usize, u32)> {
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

    fn run(m: &Matcher, text: &[u8], bounds: bool) -> Vec<(usize, usize, u32)> {
        let mut out = Vec::new();
        m.for_each(text, bounds, |s, e, id| out.push((s, e, id)));
        out
    }

    #[test]
    fn finds_leftmost_longest_with_bounds() {
        let phrases: [&[u8]; 7] = [b"down", b"is down", b"we", b"wechat", b"x", b"ab", b"abc"];
        let m = Matcher::build(phrases).unwrap();
        assert_eq!(
            run(&m, b"wechat is down", true),
            vec![(0, 6, 3), (7, 14, 1)]
        );
        // "this down": "is down" would start inside a word, so "down" matches alone.
        assert_eq!(run(&m, b"this down", true), vec![(5, 9, 0)]);
        assert_eq!(run(&m, b"this down", false), vec![(2, 9, 1)]);
        // "abcd": "abc" fails its end bound, and so does "ab": nothing.
        assert_eq!(run(&m, b"abcd x", true), vec![(5, 6, 4)]);
        assert_eq!(run(&m, b"abc-ab", true), vec![(0, 3, 6), (4, 6, 5)]);
        assert_eq!(run(&m, b"", true), vec![]);
    }

    #[test]
    fn agrees_with_the_naive_specification() {
        // A small alphabet makes overlaps, shared prefixes and bound conflicts common.
        let alphabet = b"ab1 \x01\x02\xA0\xD0";
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for round in 0..300 {
            let count = 1 + next(12);
            let owned: Vec<Vec<u8>> = (0..count)
                .map(|_| {
                    (0..1 + next(5))
                        .map(|_| alphabet[next(alphabet.len())])
                        .collect()
                })
                .collect();
            let phrases: Vec<&[u8]> = owned.iter().map(Vec::as_slice).collect();
            let m = Matcher::build(phrases.iter().copied()).unwrap();
            for _ in 0..20 {
                let text: Vec<u8> = (0..next(40))
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
