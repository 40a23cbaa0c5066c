//! Event ids as written in the input, one per event, in a single arena.
//!
//! Ids are nearly all distinct, so interning them would only add a hash
//! table; lookups by id happen at ingest, through 128-bit keys (see
//! [`id_key`]), and the text is kept for reports.

use crate::model::EventIdx;

/// The id text of every event, indexed by [`EventIdx`].
#[derive(Debug, Default)]
pub struct EventIds {
    text: String,
    ends: Vec<u64>,
}

impl EventIds {
    /// Appends the id of the next event.
    pub fn push(&mut self, id: &str) {
        self.text.push_str(id);
        self.ends.push(self.text.len() as u64);
    }

    /// The id of an event.
    pub fn get(&self, idx: EventIdx) -> &str {
        let i = idx.index();
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// The events whose id contains `needle`, in order, each once: one
    /// pass of `memmem` over all ids rather than a search per id.
    pub fn containing(&self, needle: &str) -> Vec<EventIdx> {
        let mut found: Vec<EventIdx> = Vec::new();
        if needle.is_empty() {
            return found;
        }
        for start in memchr::memmem::find_iter(self.text.as_bytes(), needle.as_bytes()) {
            let i = self.ends.partition_point(|&end| end as usize <= start);
            // A match that runs into the next id is no match.
            if i < self.ends.len()
                && start + needle.len() <= self.ends[i] as usize
                && found.last() != Some(&EventIdx(i as u32))
            {
                found.push(EventIdx(i as u32));
            }
        }
        found
    }

    /// Keeps the ids of the events marked in `keep`.
    pub fn retain(&mut self, keep: &[bool]) {
        let mut kept = EventIds::default();
        for (i, &k) in keep.iter().enumerate() {
            if k {
                kept.push(self.get(EventIdx(i as u32)));
            }
        }
        *self = kept;
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

/// A 128-bit key for an id string: two independently seeded 64-bit hashes.
/// Two different ids share a key with probability about 2^-128 per pair,
/// which for ten million ids is below 10^-24: keys stand in for ids at
/// ingest, where comparing the strings themselves would cost a lookup table
/// of strings.
pub fn id_key(id: &str) -> u128 {
    use std::hash::BuildHasher;
    let high = foldhash::quality::FixedState::with_seed(0x6361_7573_6577_6179).hash_one(id);
    let low = foldhash::quality::FixedState::with_seed(0x6964_6b65_7973_2121).hash_one(id);
    (u128::from(high) << 64) | u128::from(low)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_kept_in_order() {
        let mut ids = EventIds::default();
        ids.push("6f1c6a3e-0d7b-4b61-9a55-0c1f6f0e0a01");
        ids.push("e2");
        assert_eq!(ids.get(EventIdx(0)), "6f1c6a3e-0d7b-4b61-9a55-0c1f6f0e0a01");
        assert_eq!(ids.get(EventIdx(1)), "e2");
        assert_eq!(ids.len(), 2);
    }

    #[test]
    fn containing_finds_each_id_once_and_never_across_two() {
        let mut ids = EventIds::default();
        for id in ["aXa", "aa", "Xaa", "b"] {
            ids.push(id);
        }
        let found = |q: &str| -> Vec<u32> { ids.containing(q).iter().map(|e| e.0).collect() };
        assert_eq!(found("a"), [0, 1, 2]);
        assert_eq!(found("aX"), [0]);
        // "aaX" only exists across the ends of ids 1 and 2.
        assert_eq!(found("aaX"), Vec::<u32>::new());
        assert_eq!(found("ab"), Vec::<u32>::new());
        assert_eq!(found(""), Vec::<u32>::new());
    }

    #[test]
    fn keys_tell_ids_apart() {
        let keys: std::collections::HashSet<u128> =
            (0..100_000).map(|i| id_key(&format!("e{i}"))).collect();
        assert_eq!(keys.len(), 100_000);
        assert_eq!(id_key("a"), id_key("a"));
    }
}
