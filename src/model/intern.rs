//! String interning: every repeated string of a recording (event ids, trace
//! ids, services, threads, variables, locations) is stored once in one arena
//! and referred to by a 4-byte [`Sym`].
//!
//! The arena is a single `String` with an offset table, and the lookup table
//! stores only symbol numbers, so ten million UUIDs cost their bytes plus
//! about twelve bytes each instead of a heap allocation per string.

use hashbrown::HashTable;
use std::hash::BuildHasher;

/// A handle to an interned string; only meaningful with the [`Interner`] that
/// produced it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sym(u32);

impl Sym {
    /// The symbol's position in its interner, usable as a dense table index.
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// The symbol at a position returned by [`Sym::index`].
    pub fn from_index(index: u32) -> Sym {
        Sym(index)
    }
}

/// The hash [`Interner`] uses, exposed so that callers can compute it ahead
/// of time (in parallel) and intern with [`Interner::intern_hashed`].
pub fn hash_str(text: &str) -> u64 {
    HASHER.hash_one(text)
}

const HASHER: foldhash::fast::FixedState =
    foldhash::fast::FixedState::with_seed(0x7374_7269_6e67_7321);

/// An append-only set of strings.
#[derive(Default)]
pub struct Interner {
    arena: String,
    ends: Vec<u32>,
    table: HashTable<u32>,
}

impl std::fmt::Debug for Interner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Interner")
            .field("len", &self.len())
            .finish()
    }
}

impl Interner {
    pub fn new() -> Self {
        Self::default()
    }

    /// Returns the symbol of `text`, adding it if it is new.
    pub fn intern(&mut self, text: &str) -> Sym {
        self.intern_hashed(hash_str(text), text)
    }

    /// [`Interner::intern`] with `hash == hash_str(text)` already computed.
    pub fn intern_hashed(&mut self, hash: u64, text: &str) -> Sym {
        debug_assert_eq!(hash, hash_str(text));
        let (arena, ends) = (&self.arena, &self.ends);
        if let Some(&found) = self
            .table
            .find(hash, |&sym| slice(arena, ends, sym) == text)
        {
            return Sym(found);
        }
        let sym = u32::try_from(self.ends.len()).expect("more than 2^32 distinct strings");
        self.arena.push_str(text);
        let end = u32::try_from(self.arena.len()).expect("interned strings exceed 4 GiB");
        self.ends.push(end);
        let (arena, ends) = (&self.arena, &self.ends);
        self.table
            .insert_unique(hash, sym, |&s| hash_str(slice(arena, ends, s)));
        Sym(sym)
    }

    /// Returns the symbol of `text` if it was interned before.
    pub fn get(&self, text: &str) -> Option<Sym> {
        let hash = hash_str(text);
        self.table
            .find(hash, |&sym| slice(&self.arena, &self.ends, sym) == text)
            .map(|&s| Sym(s))
    }

    /// The text of a symbol.
    pub fn resolve(&self, sym: Sym) -> &str {
        slice(&self.arena, &self.ends, sym.0)
    }

    /// Number of distinct strings.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

fn slice<'a>(arena: &'a str, ends: &[u32], sym: u32) -> &'a str {
    let end = ends[sym as usize] as usize;
    let start = if sym == 0 {
        0
    } else {
        ends[sym as usize - 1] as usize
    };
    &arena[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_text_same_symbol() {
        let mut strings = Interner::new();
        let a = strings.intern("balance");
        let b = strings.intern("total");
        assert_ne!(a, b);
        assert_eq!(strings.intern("balance"), a);
        assert_eq!(strings.resolve(a), "balance");
        assert_eq!(strings.resolve(b), "total");
        assert_eq!(strings.get("total"), Some(b));
        assert_eq!(strings.get("missing"), None);
        assert_eq!(strings.len(), 2);
    }

    #[test]
    fn empty_string_is_a_string() {
        let mut strings = Interner::new();
        let e = strings.intern("");
        let x = strings.intern("x");
        assert_eq!(strings.resolve(e), "");
        assert_eq!(strings.resolve(x), "x");
        assert_eq!(strings.intern(""), e);
    }
}
