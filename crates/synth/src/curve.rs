//! Rate curves: piecewise-linear shapes and the day/night rhythm.

/// A piecewise-linear function through `(x, y)` knots, zero outside them.
///
/// Knots sit at whole minutes, so sampling at minute midpoints integrates exactly.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Curve(pub &'static [(f64, f64)]);

impl Curve {
    /// The value at `x` (linear between knots, 0 before the first and after the last).
    pub(crate) fn at(&self, x: f64) -> f64 {
        let knots = self.0;
        let (Some(first), Some(last)) = (knots.first(), knots.last()) else {
            return 0.0;
        };
        if x < first.0 || x > last.0 {
            return 0.0;
        }
        for pair in knots.windows(2) {
            let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
            if x <= x1 {
                if x1 <= x0 {
                    return y1;
                }
                return y0 + (y1 - y0) * (x - x0) / (x1 - x0);
            }
        }
        last.1
    }

    /// The integral over `[from, to)` minutes, summed at minute midpoints.
    pub(crate) fn minute_sum(&self, from: i64, to: i64) -> f64 {
        (from..to).map(|m| self.at(m as f64 + 0.5)).sum()
    }
}

/// Relative activity by hour of the Beijing day (index 0 = midnight; 24 repeats 0).
const RHYTHM: [f64; 25] = [
    0.55, 0.35, 0.22, 0.16, 0.13, 0.15, 0.28, 0.55, 0.8, 0.92, 1.0, 1.02, 1.1, 1.05, 0.98, 0.96,
    0.98, 1.03, 1.1, 1.2, 1.3, 1.35, 1.22, 0.9, 0.55,
];

/// The day/night rhythm at `hour` (fractional, any value; taken modulo 24).
pub(crate) fn rhythm(hour: f64) -> f64 {
    let h = hour.rem_euclid(24.0);
    let i = (h.floor() as usize).min(23);
    let frac = h - i as f64;
    RHYTHM[i] + (RHYTHM[i + 1] - RHYTHM[i]) * frac
}

/// Minutes since onset (13:00) → relative rate of new outage participants.
pub(crate) const OUTAGE_NEW: Curve = Curve(&[
    (0.0, 0.0),
    (5.0, 0.05),
    (15.0, 0.25),
    (30.0, 0.6),
    (45.0, 0.9),
    (60.0, 1.0),
    (75.0, 0.9),
    (90.0, 0.7),
    (105.0, 0.5),
    (120.0, 0.35),
    (150.0, 0.15),
    (165.0, 0.07),
    (180.0, 0.04),
    (240.0, 0.012),
    (300.0, 0.004),
    (420.0, 0.0),
]);

/// Minutes since onset → relative rate of repeated complaints by earlier participants
/// (lags the new-participant curve a little).
pub(crate) const OUTAGE_REPEAT: Curve = Curve(&[
    (0.0, 0.0),
    (10.0, 0.03),
    (20.0, 0.2),
    (35.0, 0.55),
    (50.0, 0.9),
    (65.0, 1.0),
    (80.0, 0.95),
    (100.0, 0.75),
    (120.0, 0.5),
    (150.0, 0.22),
    (165.0, 0.1),
    (180.0, 0.05),
    (240.0, 0.015),
    (300.0, 0.004),
    (420.0, 0.0),
]);

/// Minutes since onset → relative rate of outage news posts by media accounts.
pub(crate) const OUTAGE_NEWS: Curve = Curve(&[
    (15.0, 0.0),
    (25.0, 0.3),
    (40.0, 1.0),
    (90.0, 0.8),
    (150.0, 0.5),
    (240.0, 0.2),
    (360.0, 0.05),
    (480.0, 0.0),
]);

/// Minutes since onset → relative rate of reposts of outage news.
pub(crate) const OUTAGE_NEWS_REPOST: Curve = Curve(&[
    (20.0, 0.0),
    (30.0, 0.3),
    (45.0, 1.0),
    (95.0, 0.8),
    (155.0, 0.5),
    (245.0, 0.2),
    (365.0, 0.05),
    (485.0, 0.0),
]);

/// Minutes since onset → relative rate of "WeChat is back" posts (from about 15:30).
pub(crate) const RECOVERY: Curve = Curve(&[
    (150.0, 0.0),
    (160.0, 0.5),
    (175.0, 1.0),
    (200.0, 0.7),
    (240.0, 0.35),
    (300.0, 0.12),
    (420.0, 0.02),
    (540.0, 0.0),
]);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curve_interpolates_and_is_zero_outside() {
        let c = Curve(&[(0.0, 0.0), (10.0, 1.0), (20.0, 0.0)]);
        assert_eq!(c.at(-1.0), 0.0);
        assert_eq!(c.at(5.0), 0.5);
        assert_eq!(c.at(10.0), 1.0);
        assert_eq!(c.at(15.0), 0.5);
        assert_eq!(c.at(25.0), 0.0);
        // Triangle of height 1 and base 20: area 10.
        assert!((c.minute_sum(0, 20) - 10.0).abs() < 1e-9);
    }

    #[test]
    fn rhythm_wraps_and_is_positive() {
        assert_eq!(rhythm(0.0), rhythm(24.0));
        assert_eq!(rhythm(-1.0), rhythm(23.0));
        for m in 0..24 * 60 {
            let r = rhythm(f64::from(m) / 60.0);
            assert!((0.1..=1.4).contains(&r));
        }
    }
}
