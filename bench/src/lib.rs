//! Causeway's benchmark tools: the trace generator ([`generator`]), a small
//! seeded random number generator (so generated traces are reproducible
//! without a dependency) and helpers to write ids.

pub mod generator;
pub mod requests;

/// SplitMix64 (Steele, Lea and Flood 2014): fast, seedable, good enough to
/// shape synthetic workloads.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    pub fn u128(&mut self) -> u128 {
        (u128::from(self.next_u64()) << 64) | u128::from(self.next_u64())
    }
}

/// Writes a 128-bit value as a hyphenated lower-case UUID.
pub fn write_uuid(out: &mut Vec<u8>, value: u128) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for i in 0..32 {
        if matches!(i, 8 | 12 | 16 | 20) {
            out.push(b'-');
        }
        let nibble = (value >> (124 - 4 * i)) & 0xf;
        out.push(HEX[nibble as usize]);
    }
}

/// Writes a 128-bit value as 32 lower-case hex digits (a W3C trace id).
pub fn write_hex128(out: &mut Vec<u8>, value: u128) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for i in 0..32 {
        out.push(HEX[((value >> (124 - 4 * i)) & 0xf) as usize]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_formatted_like_recorders_write_them() {
        let mut out = Vec::new();
        write_uuid(&mut out, 0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
        assert_eq!(out, b"01234567-89ab-cdef-0123-456789abcdef");
        out.clear();
        write_hex128(&mut out, 1);
        assert_eq!(out, b"00000000000000000000000000000001");
    }

    #[test]
    fn the_generator_is_seeded() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        assert!((0..100).all(|_| a.next_u64() == b.next_u64()));
        assert!((0..1000).all(|_| Rng::new(3).below(10) < 10));
    }
}
