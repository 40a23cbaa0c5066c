//! The forest's random numbers, written here so that no library update can
//! change a forest.

use super::maths::{cos_sin_turn, ln};
use std::collections::HashSet;

/// xoshiro256** (Blackman and Vigna 2018), seeded through SplitMix64 as its
/// authors recommend. Written here so that no library update can change a
/// forest.
#[derive(Clone, Debug)]
pub(super) struct Rng {
    s: [u64; 4],
    /// The second normal of the last Box–Muller pair.
    spare: Option<f64>,
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    /// The stream of tree `tree` of a forest seeded with `seed`: the pair is
    /// hashed through SplitMix64, whose outputs then fill the state.
    pub(super) fn for_tree(seed: u64, tree: u64) -> Rng {
        let mut state = seed;
        let mut state = splitmix64(&mut state) ^ tree.wrapping_mul(0xD1B5_4A32_D192_ED03);
        let mut s = [0u64; 4];
        for word in &mut s {
            *word = splitmix64(&mut state);
        }
        if s == [0; 4] {
            // The one state xoshiro cannot leave; SplitMix64 practically never
            // yields it, but a zero stream would be silently constant.
            s[0] = 1;
        }
        Rng { s, spare: None }
    }

    pub(super) fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in `[0, 1)`, 53 random bits.
    pub(super) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `0..n` (`n > 0`), without bias (Lemire 2019).
    pub(super) fn below(&mut self, n: usize) -> usize {
        let n = n as u64;
        let mut m = u128::from(self.next_u64()) * u128::from(n);
        if (m as u64) < n {
            let threshold = n.wrapping_neg() % n;
            while (m as u64) < threshold {
                m = u128::from(self.next_u64()) * u128::from(n);
            }
        }
        (m >> 64) as usize
    }

    /// Standard normal, by Box–Muller.
    pub(super) fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        let u1 = 1.0 - self.unit(); // (0, 1]: the logarithm stays finite
        let u2 = self.unit();
        let r = (-2.0 * ln(u1)).sqrt();
        let (cos, sin) = cos_sin_turn(u2);
        self.spare = Some(r * sin);
        r * cos
    }

    /// `k` distinct indices in `0..n`, by Floyd's algorithm: `k` draws
    /// whatever `n` (a million-row matrix costs no more than a small one).
    pub(super) fn sample(&mut self, n: usize, k: usize) -> Vec<usize> {
        if k >= n {
            return (0..n).collect();
        }
        let mut seen = HashSet::with_capacity(k);
        let mut picked = Vec::with_capacity(k);
        for j in n - k..n {
            let t = self.below(j + 1);
            let pick = if seen.insert(t) { t } else { j };
            seen.insert(pick);
            picked.push(pick);
        }
        picked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_is_sound() {
        let mut rng = Rng::for_tree(1, 2);
        let n = 100_000;
        let draws: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        let var = draws.iter().map(|z| (z - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(
            mean.abs() < 0.02 && (var - 1.0).abs() < 0.02,
            "{mean} {var}"
        );
        let picked = rng.sample(1000, 256);
        let distinct: HashSet<_> = picked.iter().collect();
        assert_eq!(distinct.len(), 256);
        assert!(picked.iter().all(|&i| i < 1000));
        assert_ne!(
            Rng::for_tree(1, 0).next_u64(),
            Rng::for_tree(1, 1).next_u64()
        );
        assert_ne!(
            Rng::for_tree(0, 1).next_u64(),
            Rng::for_tree(1, 1).next_u64()
        );
    }
}
