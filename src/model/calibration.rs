//! Probability calibration: temperature scaling, the multiclass form of Platt scaling.
//!
//! Probabilities are `softmax(z / T)` for the model's logits `z`. One parameter `T > 0` is
//! fitted on held-out validation data by minimising the negative log-likelihood; `T > 1`
//! softens over-confident scores, `T < 1` sharpens timid ones. The most probable class never
//! changes, and the probabilities still sum to 1. redflag keeps the fitted temperature only
//! when it lowers the validation expected calibration error (ECE); otherwise `T = 1`.
//!
//! ```
//! use redflag::model::Calibration;
//!
//! // Two over-confident logit rows, both wrong half of the time: calibration softens them.
//! let logits = [4.0, 0.0, 4.0, 0.0, 0.0, 4.0, 0.0, 4.0];
//! let truth = [0, 1, 1, 0];
//! let c = Calibration::fit(&logits, &truth, 2).unwrap();
//! assert!(c.temperature > 1.0);
//! let mut p = [4.0, 0.0];
//! c.apply(&mut p);
//! assert!((p[0] - 0.5).abs() < 0.05);
//! ```

use serde::{Deserialize, Serialize};

/// A fitted temperature; `1.0` is the identity.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calibration {
    /// The temperature `T` dividing the logits.
    pub temperature: f64,
}

impl Default for Calibration {
    fn default() -> Self {
        Calibration { temperature: 1.0 }
    }
}

impl Calibration {
    /// Checks the temperature is usable (finite and positive).
    pub fn check(&self) -> Result<(), String> {
        if self.temperature.is_finite() && self.temperature > 0.0 {
            Ok(())
        } else {
            Err(format!(
                "calibration temperature {} must be finite and positive",
                self.temperature
            ))
        }
    }

    /// Turns logits into calibrated probabilities in place.
    pub fn apply(&self, logits: &mut [f64]) {
        softmax_scaled(logits, 1.0 / self.temperature);
    }

    /// Fits `T` on row-major logits (`n × k`) and true classes by minimising the mean
    /// negative log-likelihood over `log T ∈ [-4, 4]` (golden-section search; the NLL is
    /// convex in `1/T`). `None` when there is no data or a label is out of range.
    pub fn fit(logits: &[f64], truth: &[usize], k: usize) -> Option<Calibration> {
        if k == 0 || truth.is_empty() || logits.len() != truth.len() * k {
            return None;
        }
        if truth.iter().any(|&t| t >= k) || logits.iter().any(|z| !z.is_finite()) {
            return None;
        }
        let nll = |log_t: f64| -> f64 {
            let inv = (-log_t).exp();
            let mut total = 0.0;
            for (row, &t) in logits.chunks_exact(k).zip(truth) {
                let max = row.iter().fold(f64::NEG_INFINITY, |m, &z| m.max(z * inv));
                let lse = row.iter().map(|&z| (z * inv - max).exp()).sum::<f64>().ln() + max;
                total += lse - row[t] * inv;
            }
            total / truth.len() as f64
        };
        let (mut a, mut b) = (-4.0f64, 4.0f64);
        let g = (5f64.sqrt() - 1.0) / 2.0;
        let (mut c, mut d) = (b - g * (b - a), a + g * (b - a));
        let (mut fc, mut fd) = (nll(c), nll(d));
        for _ in 0..80 {
            if fc < fd {
                b = d;
                d = c;
                fd = fc;
                c = b - g * (b - a);
                fc = nll(c);
            } else {
                a = c;
                c = d;
                fc = fd;
                d = a + g * (b - a);
                fd = nll(d);
            }
        }
        let log_t = (a + b) / 2.0;
        Some(Calibration {
            temperature: log_t.exp(),
        })
    }
}

/// `softmax(scale · z)` in place, numerically stable, always finite and summing to 1.
pub fn softmax_scaled(z: &mut [f64], scale: f64) {
    if z.is_empty() {
        return;
    }
    let max = z.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v * scale));
    let mut sum = 0.0;
    for v in z.iter_mut() {
        *v = (*v * scale - max).exp();
        sum += *v;
    }
    if sum > 0.0 && sum.is_finite() {
        for v in z.iter_mut() {
            *v /= sum;
        }
    } else {
        let u = 1.0 / z.len() as f64;
        z.fill(u);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_temperature_is_plain_softmax() {
        let mut z = [1.0, 2.0, 3.0];
        Calibration::default().apply(&mut z);
        let e: Vec<f64> = [1.0f64, 2.0, 3.0].iter().map(|v| v.exp()).collect();
        let s: f64 = e.iter().sum();
        for (p, q) in z.iter().zip(&e) {
            assert!((p - q / s).abs() < 1e-12);
        }
    }

    #[test]
    fn well_calibrated_logits_keep_a_temperature_near_one() {
        // Logits (ln 3, 0): p = 0.75 for class 0; make class 0 right 3 times out of 4.
        let z = 3f64.ln();
        let logits = [z, 0.0, z, 0.0, z, 0.0, z, 0.0];
        let truth = [0, 0, 0, 1];
        let c = Calibration::fit(&logits, &truth, 2).unwrap();
        assert!((c.temperature - 1.0).abs() < 1e-3, "{}", c.temperature);
    }

    #[test]
    fn under_confident_logits_get_sharpened() {
        let logits = [0.5, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.5];
        let truth = [0, 0, 1, 1];
        let c = Calibration::fit(&logits, &truth, 2).unwrap();
        assert!(c.temperature < 1.0);
    }

    #[test]
    fn bad_input_is_none_and_extremes_stay_finite() {
        assert!(Calibration::fit(&[], &[], 2).is_none());
        assert!(Calibration::fit(&[1.0, 2.0], &[2], 2).is_none());
        assert!(Calibration::fit(&[f64::NAN, 0.0], &[0], 2).is_none());
        let mut z = [1e308, -1e308, 0.0];
        softmax_scaled(&mut z, 1.0);
        assert!(z.iter().all(|p| p.is_finite()));
        assert!((z.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(Calibration { temperature: 0.0 }.check().is_err());
        assert!(Calibration { temperature: 2.0 }.check().is_ok());
    }
}
