//! Limited-memory BFGS over a flat parameter vector, in place and in parallel.
//!
//! The solver of [`super::logistic`]. It is written here rather than taken from argmin
//! because the logistic model has millions of parameters (features × classes) and a
//! general-purpose solver's vector arithmetic allocates a fresh vector per operation: with
//! argmin's ndarray backend a 1.1-million-feature, 4-class fit spent most of its ten minutes
//! on one core zeroing newly mapped pages (`benches/README.md`). Here every vector is
//! allocated once, the history is a ring of reused buffers, and the dense arithmetic (dot
//! products, `axpy`) runs on rayon's pool in fixed chunks whose partial sums are added in
//! chunk order, so results are bit-identical for any number of threads.
//!
//! The method is Nocedal & Wright's Algorithm 7.4 (two-loop recursion, history `m`,
//! initial Hessian `γ I` with `γ = sᵀy / yᵀy`) with a backtracking line search on the
//! Armijo condition (`c₁ = 10⁻⁴`, quadratic interpolation clamped to `[0.1, 0.5]` of the
//! step). A pair whose curvature `sᵀy` is not positive is not stored, so the inverse-Hessian
//! approximation stays positive definite. Iteration stops when
//! * the gradient's L2 norm is at most `tolerance`, or the objective changed by at most
//!   machine epsilon (relative): converged;
//! * `max_iterations` is reached;
//! * the line search finds no decrease along the direction (typical at the optimum to
//!   floating-point precision): stopped, with the last accepted point.

use crate::progress::Progress;
use rayon::prelude::*;

/// Elements per parallel chunk of the dense arithmetic. Fixed: determinism depends on it.
const CHUNK: usize = 1 << 15;
/// Armijo constant.
const C1: f64 = 1e-4;
/// Line-search trials before giving up.
const MAX_TRIALS: usize = 40;

/// How the solver ended.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Outcome {
    /// The last accepted point.
    pub x: Vec<f64>,
    /// Objective at `x`.
    pub loss: f64,
    /// L2 norm of the gradient at `x`.
    pub gradient_norm: f64,
    /// Iterations (accepted steps).
    pub iterations: u64,
    /// Objective evaluations.
    pub evaluations: u64,
    /// True when the gradient or the objective change fell below its tolerance.
    pub converged: bool,
    /// Why it stopped, in words.
    pub termination: String,
}

/// `Σ a_i b_i`, summed per chunk and then over chunks in order.
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let partials: Vec<f64> = a
        .par_chunks(CHUNK)
        .zip(b.par_chunks(CHUNK))
        .map(|(x, y)| x.iter().zip(y).map(|(p, q)| p * q).sum::<f64>())
        .collect();
    partials.iter().sum()
}

/// `y += a x`.
fn axpy(a: f64, x: &[f64], y: &mut [f64]) {
    y.par_chunks_mut(CHUNK)
        .zip(x.par_chunks(CHUNK))
        .for_each(|(yc, xc)| {
            for (yi, xi) in yc.iter_mut().zip(xc) {
                *yi += a * xi;
            }
        });
}

/// `out = x + a d`.
fn step_to(x: &[f64], a: f64, d: &[f64], out: &mut [f64]) {
    out.par_chunks_mut(CHUNK)
        .zip(x.par_chunks(CHUNK).zip(d.par_chunks(CHUNK)))
        .for_each(|(oc, (xc, dc))| {
            for ((o, xi), di) in oc.iter_mut().zip(xc).zip(dc) {
                *o = xi + a * di;
            }
        });
}

/// `out = a − b`.
fn difference(a: &[f64], b: &[f64], out: &mut [f64]) {
    out.par_chunks_mut(CHUNK)
        .zip(a.par_chunks(CHUNK).zip(b.par_chunks(CHUNK)))
        .for_each(|(oc, (ac, bc))| {
            for ((o, ai), bi) in oc.iter_mut().zip(ac).zip(bc) {
                *o = ai - bi;
            }
        });
}

/// `x *= a`.
fn scale(a: f64, x: &mut [f64]) {
    x.par_chunks_mut(CHUNK).for_each(|c| {
        for v in c {
            *v *= a;
        }
    });
}

/// Minimises `f` from `x0`. `eval(x, grad)` returns the objective at `x` and writes its
/// gradient into `grad`; an `Err` (a non-finite objective) at a trial point shortens the
/// step, and at the starting point is returned.
#[cfg(test)]
pub(crate) fn minimize(
    x0: Vec<f64>,
    memory: usize,
    max_iterations: u64,
    tolerance: f64,
    eval: impl FnMut(&[f64], &mut [f64]) -> Result<f64, String>,
) -> Result<Outcome, String> {
    minimize_with_progress(
        x0,
        memory,
        max_iterations,
        tolerance,
        eval,
        &crate::progress::Silent,
    )
}

/// [`minimize`], telling `progress` of every finished iteration (one step each).
pub(crate) fn minimize_with_progress(
    x0: Vec<f64>,
    memory: usize,
    max_iterations: u64,
    tolerance: f64,
    mut eval: impl FnMut(&[f64], &mut [f64]) -> Result<f64, String>,
    progress: &dyn Progress,
) -> Result<Outcome, String> {
    let n = x0.len();
    let mut x = x0;
    let mut g = vec![0.0; n];
    let mut evaluations = 1u64;
    let mut f = eval(&x, &mut g)?;
    let mut gnorm = dot(&g, &g).sqrt();
    let mut d = vec![0.0; n];
    let mut x_new = vec![0.0; n];
    let mut g_new = vec![0.0; n];
    // History ring: pairs (s, y) with rho = 1 / sᵀy; `order` lists slots oldest first.
    let mut s_hist: Vec<Vec<f64>> = Vec::with_capacity(memory);
    let mut y_hist: Vec<Vec<f64>> = Vec::with_capacity(memory);
    let mut rho: Vec<f64> = Vec::with_capacity(memory);
    let mut order: std::collections::VecDeque<usize> = std::collections::VecDeque::new();
    let mut alphas = vec![0.0; memory.max(1)];
    let mut iterations = 0u64;
    let done = |converged: bool, why: &str, x, f, gnorm, iterations, evaluations| Outcome {
        x,
        loss: f,
        gradient_norm: gnorm,
        iterations,
        evaluations,
        converged,
        termination: why.to_string(),
    };
    if gnorm <= tolerance {
        return Ok(done(true, "Solver converged", x, f, gnorm, 0, evaluations));
    }
    loop {
        if iterations >= max_iterations {
            return Ok(done(
                false,
                "Maximum number of iterations reached",
                x,
                f,
                gnorm,
                iterations,
                evaluations,
            ));
        }
        // Direction: d = −H g by the two-loop recursion.
        d.copy_from_slice(&g);
        for (k, &slot) in order.iter().enumerate().rev() {
            let a = rho[slot] * dot(&s_hist[slot], &d);
            alphas[k] = a;
            axpy(-a, &y_hist[slot], &mut d);
        }
        let gamma = match order.back() {
            Some(&last) => {
                let yy = dot(&y_hist[last], &y_hist[last]);
                if yy > 0.0 {
                    1.0 / (rho[last] * yy)
                } else {
                    1.0
                }
            }
            // First step: unit length.
            None => 1.0 / gnorm,
        };
        scale(gamma, &mut d);
        for (k, &slot) in order.iter().enumerate() {
            let b = rho[slot] * dot(&y_hist[slot], &d);
            axpy(alphas[k] - b, &s_hist[slot], &mut d);
        }
        scale(-1.0, &mut d);
        let mut dg = dot(&d, &g);
        // Also true for a NaN `dg`.
        if dg.partial_cmp(&0.0) != Some(std::cmp::Ordering::Less) {
            // Not a descent direction (lost curvature information): restart from −g.
            order.clear();
            d.copy_from_slice(&g);
            scale(-1.0 / gnorm, &mut d);
            dg = -gnorm;
        }
        // Backtracking line search on the Armijo condition.
        let mut step = 1.0;
        let mut accepted = None;
        for _ in 0..MAX_TRIALS {
            step_to(&x, step, &d, &mut x_new);
            evaluations += 1;
            match eval(&x_new, &mut g_new) {
                Ok(f_new) if f_new <= f + C1 * step * dg => {
                    accepted = Some(f_new);
                    break;
                }
                Ok(f_new) => {
                    // Minimum of the quadratic through f, f'(0) = dg and f_new.
                    let curv = f_new - f - dg * step;
                    let next = if curv > 0.0 {
                        -dg * step * step / (2.0 * curv)
                    } else {
                        0.5 * step
                    };
                    step = next.clamp(0.1 * step, 0.5 * step);
                }
                Err(_) => step *= 0.5,
            }
        }
        let Some(f_new) = accepted else {
            return Ok(done(
                false,
                "Line search terminated: no sufficient decrease along the search direction",
                x,
                f,
                gnorm,
                iterations,
                evaluations,
            ));
        };
        // History update: s = x_new − x, y = g_new − g, into the oldest slot when full.
        let slot = if s_hist.len() < memory {
            s_hist.push(vec![0.0; n]);
            y_hist.push(vec![0.0; n]);
            rho.push(0.0);
            s_hist.len() - 1
        } else {
            order.pop_front().unwrap_or_default()
        };
        difference(&x_new, &x, &mut s_hist[slot]);
        difference(&g_new, &g, &mut y_hist[slot]);
        let sy = dot(&s_hist[slot], &y_hist[slot]);
        if sy > f64::EPSILON * dot(&y_hist[slot], &y_hist[slot]) && memory > 0 {
            rho[slot] = 1.0 / sy;
            order.push_back(slot);
        }
        std::mem::swap(&mut x, &mut x_new);
        std::mem::swap(&mut g, &mut g_new);
        let f_prev = f;
        f = f_new;
        gnorm = dot(&g, &g).sqrt();
        iterations += 1;
        progress.advance(1);
        if gnorm <= tolerance {
            return Ok(done(
                true,
                "Solver converged",
                x,
                f,
                gnorm,
                iterations,
                evaluations,
            ));
        }
        if (f_prev - f).abs() <= f64::EPSILON * f.abs().max(f_prev.abs()).max(1.0) {
            return Ok(done(
                true,
                "Solver converged: the objective stopped changing",
                x,
                f,
                gnorm,
                iterations,
                evaluations,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A convex quadratic `½ Σ c_i (x_i − t_i)²` with condition number 1000.
    fn quadratic(x: &[f64], g: &mut [f64]) -> Result<f64, String> {
        let mut f = 0.0;
        for (i, (xi, gi)) in x.iter().zip(g.iter_mut()).enumerate() {
            let c = 1.0 + (i % 1000) as f64;
            let t = (i % 7) as f64 - 3.0;
            f += 0.5 * c * (xi - t) * (xi - t);
            *gi = c * (xi - t);
        }
        Ok(f)
    }

    #[test]
    fn minimises_an_ill_conditioned_quadratic() {
        let out = minimize(vec![0.0; 5000], 10, 1000, 1e-6, quadratic).unwrap();
        // Converged on the gradient, or on an objective that stopped changing at machine
        // precision (which for this quadratic is within 1e-6 of the optimum too).
        assert!(out.converged, "{:?}", (out.termination, out.gradient_norm));
        assert!(out.gradient_norm <= 1e-5, "{}", out.gradient_norm);
        for (i, xi) in out.x.iter().enumerate() {
            assert!((xi - ((i % 7) as f64 - 3.0)).abs() < 1e-6);
        }
    }

    #[test]
    fn rosenbrock_and_limits() {
        let rosen = |x: &[f64], g: &mut [f64]| -> Result<f64, String> {
            let (a, b) = (x[0], x[1]);
            g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
            g[1] = 200.0 * (b - a * a);
            Ok((1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2))
        };
        let out = minimize(vec![-1.2, 1.0], 10, 10_000, 1e-10, rosen).unwrap();
        assert!(out.converged, "{out:?}");
        assert!((out.x[0] - 1.0).abs() < 1e-6 && (out.x[1] - 1.0).abs() < 1e-6);
        let capped = minimize(vec![-1.2, 1.0], 10, 3, 1e-10, rosen).unwrap();
        assert_eq!(capped.iterations, 3);
        assert_eq!(capped.termination, "Maximum number of iterations reached");
        // Non-finite at the start is an error; at trial points it shortens the step.
        assert!(minimize(vec![0.0], 5, 10, 1e-9, |_, _| Err("nan".into())).is_err());
        let guarded = |x: &[f64], g: &mut [f64]| {
            if x[0] > 2.0 {
                return Err("overflow".to_string());
            }
            g[0] = 2.0 * (x[0] - 1.5);
            Ok((x[0] - 1.5).powi(2))
        };
        let out = minimize(vec![0.0], 5, 100, 1e-9, guarded).unwrap();
        assert!((out.x[0] - 1.5).abs() < 1e-6, "{out:?}");
    }

    #[test]
    fn same_result_with_any_thread_count() {
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| minimize(vec![0.0; 100_000], 10, 50, 1e-12, quadratic).unwrap())
        };
        assert_eq!(run(1), run(3));
    }
}
