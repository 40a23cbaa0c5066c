//! Sparse vector clocks (Fidge 1988; Mattern 1988): a sorted list of
//! (clock id, counter) pairs, missing entries being zero. Sparse because a
//! recording may have many short-lived threads while each event has seen
//! only a few of them.

/// A vector clock.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VectorClock {
    entries: Vec<(u32, u64)>,
}

impl VectorClock {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn from_sorted(entries: Vec<(u32, u64)>) -> Self {
        debug_assert!(entries.windows(2).all(|w| w[0].0 < w[1].0));
        VectorClock { entries }
    }

    pub fn entries(&self) -> &[(u32, u64)] {
        &self.entries
    }

    /// The counter of one clock id.
    pub fn get(&self, id: u32) -> u64 {
        get(&self.entries, id)
    }

    /// Sets one clock id's counter.
    pub fn set(&mut self, id: u32, value: u64) {
        match self.entries.binary_search_by_key(&id, |e| e.0) {
            Ok(i) => self.entries[i].1 = value,
            Err(i) => self.entries.insert(i, (id, value)),
        }
    }

    /// Pointwise maximum with another clock.
    pub fn join(&mut self, other: &[(u32, u64)]) {
        if other.is_empty() {
            return;
        }
        if self.entries.is_empty() {
            self.entries.extend_from_slice(other);
            return;
        }
        // The usual case in a busy recording: `other` names no clock this
        // one lacks, so the maximum is taken in place, without allocating.
        if self.join_in_place(other) {
            return;
        }
        let mut merged = Vec::with_capacity(self.entries.len() + other.len());
        let (mut i, mut j) = (0, 0);
        let a = &self.entries;
        while i < a.len() && j < other.len() {
            match a[i].0.cmp(&other[j].0) {
                std::cmp::Ordering::Less => {
                    merged.push(a[i]);
                    i += 1;
                }
                std::cmp::Ordering::Greater => {
                    merged.push(other[j]);
                    j += 1;
                }
                std::cmp::Ordering::Equal => {
                    merged.push((a[i].0, a[i].1.max(other[j].1)));
                    i += 1;
                    j += 1;
                }
            }
        }
        merged.extend_from_slice(&a[i..]);
        merged.extend_from_slice(&other[j..]);
        self.entries = merged;
    }

    /// Joins in place if every id of `other` is already here; otherwise
    /// changes nothing and returns false.
    fn join_in_place(&mut self, other: &[(u32, u64)]) -> bool {
        if other.len() > self.entries.len() {
            return false;
        }
        if self.entries.len() == other.len() {
            if !self.entries.iter().zip(other).all(|(a, b)| a.0 == b.0) {
                return false;
            }
            for (a, b) in self.entries.iter_mut().zip(other) {
                a.1 = a.1.max(b.1);
            }
            return true;
        }
        let mut i = 0;
        for &(id, _) in other {
            while i < self.entries.len() && self.entries[i].0 < id {
                i += 1;
            }
            if i == self.entries.len() || self.entries[i].0 != id {
                return false;
            }
        }
        let mut i = 0;
        for &(id, value) in other {
            while self.entries[i].0 < id {
                i += 1;
            }
            self.entries[i].1 = self.entries[i].1.max(value);
        }
        true
    }
}

/// The counter of `id` in a sorted clock slice (0 if absent).
pub fn get(clock: &[(u32, u64)], id: u32) -> u64 {
    clock
        .binary_search_by_key(&id, |e| e.0)
        .map_or(0, |i| clock[i].1)
}

/// `a <= b` in every entry.
pub fn leq(a: &[(u32, u64)], b: &[(u32, u64)]) -> bool {
    let mut j = 0;
    for &(id, value) in a {
        if value == 0 {
            continue;
        }
        while j < b.len() && b[j].0 < id {
            j += 1;
        }
        if j == b.len() || b[j].0 != id || b[j].1 < value {
            return false;
        }
    }
    true
}

/// The strict vector-clock order: `a <= b` everywhere and `a != b`
/// somewhere, so `a` happens before `b`.
pub fn before(a: &[(u32, u64)], b: &[(u32, u64)]) -> bool {
    leq(a, b) && !leq(b, a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vc(pairs: &[(u32, u64)]) -> VectorClock {
        VectorClock::from_sorted(pairs.to_vec())
    }

    #[test]
    fn join_takes_the_pointwise_maximum() {
        let mut a = vc(&[(0, 3), (2, 1)]);
        a.join(&[(1, 4), (2, 5), (7, 1)]);
        assert_eq!(a.entries(), &[(0, 3), (1, 4), (2, 5), (7, 1)]);
        let mut empty = VectorClock::new();
        empty.join(&[(3, 1)]);
        assert_eq!(empty.get(3), 1);
        assert_eq!(empty.get(9), 0);
    }

    #[test]
    fn join_in_place_and_by_merging_agree() {
        let mut same_ids = vc(&[(1, 1), (3, 9), (5, 2)]);
        same_ids.join(&[(1, 4), (3, 2), (5, 2)]);
        assert_eq!(same_ids.entries(), &[(1, 4), (3, 9), (5, 2)]);
        let mut subset = vc(&[(1, 1), (3, 9), (5, 2)]);
        subset.join(&[(3, 10)]);
        assert_eq!(subset.entries(), &[(1, 1), (3, 10), (5, 2)]);
        let mut new_id = vc(&[(1, 1), (5, 2)]);
        new_id.join(&[(3, 7), (5, 1)]);
        assert_eq!(new_id.entries(), &[(1, 1), (3, 7), (5, 2)]);
    }

    #[test]
    fn set_keeps_entries_sorted() {
        let mut a = VectorClock::new();
        a.set(5, 1);
        a.set(1, 2);
        a.set(5, 3);
        assert_eq!(a.entries(), &[(1, 2), (5, 3)]);
    }

    #[test]
    fn order_is_strict_and_missing_entries_are_zero() {
        let a = [(0, 1)];
        let b = [(0, 1), (1, 1)];
        let c = [(1, 2)];
        assert!(before(&a, &b));
        assert!(!before(&b, &a));
        assert!(!before(&a, &a), "a clock does not happen before itself");
        assert!(!before(&a, &c) && !before(&c, &a), "concurrent");
        assert!(
            leq(&[(4, 0)], &[]),
            "an explicit zero equals a missing entry"
        );
        assert!(before(&[], &[(2, 1)]));
    }
}
