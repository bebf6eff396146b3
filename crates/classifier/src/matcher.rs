//! Leftmost-longest phrase matching over the encoder's units (one per character).
//!
//! The phrases are short (most are 2–6 characters) and most characters of a post start no
//! phrase, so a general automaton spends most of its time on bookkeeping. This matcher is a
//! trie over units stored as a double array (the child of node `n` by unit `u` is slot
//! `base[n] + u` when `check` says it belongs to `n`: one addition and one comparison per step),
//! behind 64 Ki-bit filters of the one-unit phrases and of the unit pairs that begin a phrase. At each position it walks the trie as far as the
//! text allows and keeps the longest phrase that ends there; it then continues after that
//! match (or one unit further when none).
//!
//! Word bounds are part of the match: a phrase that starts with an ASCII letter or digit only
//! matches where the text before it is not one, and likewise at its end. A phrase that fails
//! its bounds does not shadow a shorter one at the same start, and positions inside an ASCII
//! word are skipped outright (no phrase may start there).

/// No phrase.
const NONE: u32 = u32::MAX;

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

/// A compiled phrase set.
#[derive(Debug, Clone)]
pub(crate) struct Matcher {
    /// Double-array trie, one [`Slot`] per node: node `n`'s child by unit `u` is slot
    /// `t = slots[n].base + u` if `slots[t].check == n + 1`. The root is slot 0.
    slots: Vec<Slot>,
    /// Bit `u` is set for every unit that starts a phrase: most positions of a text fail this
    /// one test.
    starts: Box<[u64; 1024]>,
    /// Bit [`pair_bit`] is set for the first two units of every phrase of two or more; a
    /// clear bit proves that no such phrase starts at a position.
    pairs: Box<[u64; 1024]>,
    /// Bit `u` is set for every one-unit phrase `u`. With `pairs`, a position can be passed
    /// over after two bit tests when neither says a phrase may start there.
    singles: Box<[u64; 1024]>,
}

/// One double-array slot: everything a step of the walk reads, in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Slot {
    /// Base of this node's children.
    base: u32,
    /// The slot of this node's parent plus one (0: a free slot).
    check: u32,
    /// Phrase ending at this node, or [`NONE`].
    accept: u32,
}

/// The phrase set is too large for the matcher (over 2 Gi double-array slots).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooLarge;

#[inline]
fn pair_bit(a: u16, b: u16) -> usize {
    ((u32::from(a) << 16 | u32::from(b)).wrapping_mul(0x9E37_79B1) >> 16) as usize
}

impl Matcher {
    /// Builds the matcher; phrase `i` of `phrases` is reported as id `i`. Among identical
    /// phrases the first wins. Empty phrases never match.
    pub(crate) fn build<'a>(
        phrases: impl IntoIterator<Item = &'a [u16]>,
    ) -> Result<Self, TooLarge> {
        let mut root: Vec<u32> = Vec::new();
        let mut pairs = Box::new([0u64; 1024]);
        let mut singles = Box::new([0u64; 1024]);
        let mut accept = vec![NONE];
        let mut edges: std::collections::HashMap<(u32, u16), u32> =
            std::collections::HashMap::new();
        let new_node = |accept: &mut Vec<u32>| -> Result<u32, TooLarge> {
            let id = u32::try_from(accept.len()).map_err(|_| TooLarge)?;
            if id == NONE {
                return Err(TooLarge);
            }
            accept.push(NONE);
            Ok(id)
        };
        for (id, code) in phrases.into_iter().enumerate() {
            let Some((&first, rest)) = code.split_first() else {
                continue;
            };
            let id = u32::try_from(id).map_err(|_| TooLarge)?;
            let f = usize::from(first);
            if root.len() <= f {
                root.resize(f + 1, 0);
            }
            let mut node = match root[f] {
                0 => {
                    let n = new_node(&mut accept)?;
                    root[f] = n;
                    n
                }
                n => n,
            };
            if let Some(&second) = rest.first() {
                let bit = pair_bit(first, second);
                pairs[bit >> 6] |= 1 << (bit & 63);
            } else {
                singles[f >> 6] |= 1 << (f & 63);
            }
            for &u in rest {
                node = match edges.get(&(node, u)) {
                    Some(&c) => c,
                    None => {
                        let c = new_node(&mut accept)?;
                        edges.insert((node, u), c);
                        c
                    }
                };
            }
            let slot = &mut accept[node as usize];
            if *slot == NONE {
                *slot = id;
            }
        }
        // Children of every node, sorted by unit; node 0 is the root.
        let mut children: Vec<Vec<(u16, u32)>> = vec![Vec::new(); accept.len()];
        for (u, &n) in root.iter().enumerate() {
            if n != 0 {
                // `root` is indexed by unit, so its length fits a unit.
                children[0].push((u as u16, n));
            }
        }
        let mut sorted: Vec<((u32, u16), u32)> = edges.into_iter().collect();
        sorted.sort_unstable();
        for ((parent, unit), child) in sorted {
            children[parent as usize].push((unit, child));
        }
        let mut starts = Box::new([0u64; 1024]);
        for &(u, _) in &children[0] {
            starts[usize::from(u >> 6)] |= 1 << (u & 63);
        }
        let DoubleArray { base, check, slots } = double_array(&children)?;
        let mut table: Vec<Slot> = base
            .iter()
            .zip(&check)
            .map(|(&base, &check)| Slot {
                base,
                check,
                accept: NONE,
            })
            .collect();
        for (node, &slot) in slots.iter().enumerate() {
            table[slot as usize].accept = accept[node];
        }
        Ok(Matcher {
            slots: table,
            starts,
            pairs,
            singles,
        })
    }

    /// Memory used by the tables, in bytes.
    pub(crate) fn memory_usage(&self) -> usize {
        self.slots.len() * std::mem::size_of::<Slot>() + 3 * std::mem::size_of::<[u64; 1024]>()
    }

    #[inline]
    fn child(&self, node: u32, u: u16) -> Option<u32> {
        // Bases are below 2^31 and units below 2^16: no overflow.
        let t = self
            .slots
            .get(node as usize)?
            .base
            .wrapping_add(u32::from(u));
        (self.slots.get(t as usize)?.check == node + 1).then_some(t)
    }

    #[inline]
    fn start(&self, u: u16) -> bool {
        self.starts[usize::from(u >> 6)] & (1 << (u & 63)) != 0
    }

    #[inline]
    fn single(&self, u: u16) -> bool {
        self.singles[usize::from(u >> 6)] & (1 << (u & 63)) != 0
    }

    #[inline]
    fn pair(&self, a: u16, b: u16) -> bool {
        let bit = pair_bit(a, b);
        self.pairs[bit >> 6] & (1 << (bit & 63)) != 0
    }

    /// Calls `f(start, end, phrase)` for each leftmost-longest, non-overlapping match in
    /// `text`, in order. With `bounds`, phrases respect ASCII word bounds (see the module
    /// documentation).
    #[inline]
    pub(crate) fn for_each(
        &self,
        text: &[u16],
        bounds: bool,
        mut f: impl FnMut(usize, usize, u32),
    ) {
        let n = text.len();
        let mut p = 0usize;
        while p < n {
            // Skip, in a tight loop, the positions where the bit filters rule out any phrase.
            match text[p..]
                .windows(2)
                .position(|w| self.start(w[0]) && (self.single(w[0]) || self.pair(w[0], w[1])))
            {
                Some(skip) => p += skip,
                None => {
                    // Only the last unit is left to try, and only as a one-unit phrase.
                    p = n - 1;
                    if !self.single(text[p]) {
                        break;
                    }
                }
            }
            let u = text[p];
            let Some(start) = self.child(0, u) else {
                p += 1;
                continue;
            };
            let word = bounds && is_word(u);
            if word && p > 0 && is_word(text[p - 1]) {
                // Inside an ASCII word: no phrase may start here or before the word ends.
                p += 1;
                while text.get(p).is_some_and(|&u| is_word(u)) {
                    p += 1;
                }
                continue;
            }
            let (mut end, mut found) = (0usize, NONE);
            let (mut node, mut slot) = (start, self.slots[start as usize]);
            let mut j = p + 1;
            loop {
                if slot.accept != NONE
                    && !(bounds && is_word(text[j - 1]) && text.get(j).is_some_and(|&u| is_word(u)))
                {
                    (end, found) = (j, slot.accept);
                }
                let Some(&next) = text.get(j) else { break };
                if j == p + 1 && !self.pair(u, next) {
                    break;
                }
                // Bases are below 2^31 and units below 2^16: no overflow.
                let t = slot.base.wrapping_add(u32::from(next));
                match self.slots.get(t as usize) {
                    Some(&child) if child.check == node + 1 => (node, slot) = (t, child),
                    _ => break,
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

/// A trie laid out as a double array (see [`Matcher`]).
struct DoubleArray {
    base: Vec<u32>,
    check: Vec<u32>,
    /// The slot of every trie node.
    slots: Vec<u32>,
}

/// Lays out a trie (`children[n]`: the sorted `(unit, child)` pairs of node `n`, node 0 the
/// root) as a double array.
fn double_array(children: &[Vec<(u16, u32)>]) -> Result<DoubleArray, TooLarge> {
    let mut base = vec![0u32; 1];
    // The root's slot is taken; no node's `check` can equal u32::MAX (slots are fewer).
    let mut check = vec![u32::MAX; 1];
    let mut slots = vec![0u32; children.len()];
    // Lowest slot that may be free, to start the search for a base from.
    let mut free_from = 1usize;
    let mut queue = std::collections::VecDeque::from([0u32]);
    while let Some(node) = queue.pop_front() {
        let list = &children[node as usize];
        let Some(&(first, _)) = list.first() else {
            continue;
        };
        let slot = slots[node as usize] as usize;
        while check.get(free_from).is_some_and(|&c| c != 0) {
            free_from += 1;
        }
        // The root's children sit at their units (base 0), so its lookups are a plain index.
        // Other nodes: try the bases that put the first child on a free slot, lowest first.
        let fits = |b: usize| {
            list.iter()
                .all(|&(u, _)| check.get(b + usize::from(u)).is_none_or(|&c| c == 0))
        };
        let mut b = 0;
        if node != 0 {
            let mut q = free_from.max(usize::from(first) + 1);
            loop {
                while check.get(q).is_some_and(|&c| c != 0) {
                    q += 1;
                }
                b = q - usize::from(first);
                if fits(b) {
                    break;
                }
                q += 1;
            }
        }
        let end = b + usize::from(list[list.len() - 1].0) + 1;
        // Slots stay below 2^31, so `base + unit` never overflows a u32.
        if end >= 1 << 31 {
            return Err(TooLarge);
        }
        if check.len() < end {
            check.resize(end, 0);
            base.resize(end, 0);
        }
        base[slot] = b as u32;
        for &(u, child) in list {
            let t = b + usize::from(u);
            // `slot` is below `check.len()`, which is checked against 2^31 above.
            check[t] = slot as u32 + 1;
            slots[child as usize] = t as u32;
            queue.push_back(child);
        }
    }
    Ok(DoubleArray { base, check, slots })
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
    fn agrees_with_the_naive_specification() {
        // A small alphabet makes overlaps, shared prefixes and bound conflicts common.
        let alphabet: [u16; 8] = [0x61, 0x62, 0x31, 0x20, 0x01, 0x80, 0x81, 0x4E00];
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
