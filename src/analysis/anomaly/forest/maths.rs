//! Portable maths: the elementary functions the forest needs, from
//! `+ - * /` only, so their bits do not depend on the platform's math
//! library. Accurate to a few ulps, which is all the sampling and the score
//! need; what matters is that they are the same everywhere.

const LN_2: f64 = std::f64::consts::LN_2;

/// Natural logarithm of a positive, finite, normal `x`.
pub(super) fn ln(x: f64) -> f64 {
    debug_assert!(x.is_normal() && x > 0.0);
    let bits = x.to_bits();
    let mut exponent = ((bits >> 52) & 0x7ff) as i64 - 1023;
    // Mantissa in [1, 2), then in [sqrt(1/2), sqrt(2)) so the series below
    // converges fast.
    let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    if m > std::f64::consts::SQRT_2 {
        m *= 0.5;
        exponent += 1;
    }
    // ln(m) = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...), s = (m-1)/(m+1),
    // |s| <= 0.172: s^2 <= 0.0295, so 12 terms reach below 1e-18.
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let mut series = 0.0;
    for k in (0..12).rev() {
        series = series * s2 + 1.0 / (2 * k + 1) as f64;
    }
    exponent as f64 * LN_2 + 2.0 * s * series
}

/// (cos 2πu, sin 2πu) for `u` in `[0, 1)`.
pub(super) fn cos_sin_turn(u: f64) -> (f64, f64) {
    // Quarter turns are exact in binary: 4u = q + r, r in [-1/2, 1/2],
    // so the series only sees |x| <= π/4.
    let quarters = 4.0 * u;
    let q = quarters.round();
    let x = (quarters - q) * std::f64::consts::FRAC_PI_2;
    let x2 = x * x;
    // Taylor series to x^18 and x^19: the next term is below 1e-19.
    let (mut cos, mut sin) = (0.0, 0.0);
    for k in (0..10).rev() {
        cos = cos * x2 + sign(k) / factorial(2 * k);
        sin = sin * x2 + sign(k) / factorial(2 * k + 1);
    }
    let sin = sin * x;
    match q as u32 % 4 {
        0 => (cos, sin),
        1 => (-sin, cos),
        2 => (-cos, -sin),
        _ => (sin, -cos),
    }
}

fn sign(k: u32) -> f64 {
    if k.is_multiple_of(2) { 1.0 } else { -1.0 }
}

fn factorial(n: u32) -> f64 {
    (1..=n).map(f64::from).product()
}

/// 2^x, for the score (x <= 0 there).
pub(super) fn exp2(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    if x < -1022.0 {
        return 0.0;
    }
    if x > 1023.0 {
        return f64::INFINITY;
    }
    let whole = x.floor();
    // 2^f = e^(f ln 2), f in [0, 1): Taylor to degree 18 (error < 1e-19).
    let y = (x - whole) * LN_2;
    let mut power = 0.0;
    for k in (0..19).rev() {
        power = power * y + 1.0 / factorial(k);
    }
    power * f64::from_bits(((whole as i64 + 1023) as u64) << 52)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elementary_functions_match_std() {
        for &x in &[1e-300, 1e-10, 0.1, 0.5, 0.999, 1.0, 2.0, 255.0, 1e6, 1e300] {
            let (ours, std) = (ln(x), f64::ln(x));
            assert!(
                (ours - std).abs() <= 4.0 * f64::EPSILON * std.abs().max(1.0),
                "ln {x}"
            );
        }
        for i in 0..1000 {
            let u = i as f64 / 1000.0;
            let (c, s) = cos_sin_turn(u);
            let t = u * std::f64::consts::TAU;
            assert!(
                (c - t.cos()).abs() < 1e-15 && (s - t.sin()).abs() < 1e-15,
                "{u}"
            );
        }
        for &x in &[-1100.0, -30.5, -1.0, -0.3, 0.0, 0.7, 10.25] {
            let (ours, std) = (exp2(x), f64::exp2(x));
            assert!((ours - std).abs() <= 4.0 * f64::EPSILON * std, "exp2 {x}");
        }
    }
}
