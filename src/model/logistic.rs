//! Multinomial (softmax) logistic regression trained on sparse TF-IDF features.
//!
//! # Objective
//!
//! For `n` rows `x_i` (sparse, `n_features` columns), labels `y_i ∈ {0, …, K−1}`, per-class
//! weights `cw[c]`, a weight matrix `W` (`n_features × K`) and an intercept `b` (`K`), the
//! trainer minimises
//!
//! ```text
//! L(W, b) = − Σ_i cw[y_i] · log softmax(x_i W + b)[y_i]  +  (alpha / 2) · ‖W‖²
//! ```
//!
//! The intercept is not regularised. The gradient is `Xᵀ · diag(cw[y]) · (P − Y) + alpha · W`
//! for `W` and `Σ_i cw[y_i] · (P_i − Y_i)` for `b`, where `P` holds the softmax probabilities
//! and `Y` the one-hot labels. With all class weights equal to 1 this is exactly the objective of
//! `linfa_logistic::MultiLogisticRegression` (a sum over samples, not a mean, so `alpha` has the
//! same meaning in both crates — the unit tests cross-check the fitted weights against it).
//! `log softmax` is evaluated with a per-row log-sum-exp, so huge logits never overflow.
//!
//! With `alpha > 0` the objective is strictly convex in `W` (softmax's invariance to adding the
//! same vector to every class column is removed by the penalty: the optimum has
//! `Σ_c W[j, c] = 0`), so the fitted weights are unique. The unregularised intercept is unique
//! only up to adding one constant to every class, which changes no probability; since every
//! gradient's intercept part sums to zero over the classes and the solver starts at zero, the
//! fitted intercept sums to zero (up to rounding).
//!
//! # Why multinomial rather than one-vs-rest
//!
//! One-vs-rest fits `K` independent binary models whose scores are not probabilities of one
//! distribution: they do not sum to one and are calibrated against different "rest" sets, so a
//! post flagged by two heads cannot be compared meaningfully. The softmax model fits one joint
//! distribution over the classes, its probabilities sum to one by construction, and its log loss
//! is a proper scoring rule, which is what the downstream calibration step expects. It also
//! costs the same per pass over the data (one sparse product with all `K` columns of `W`).
//!
//! # Solver
//!
//! L-BFGS (history 10) started from all-zero parameters, as in `linfa-logistic`, but run by
//! redflag's own in-place, parallel implementation (`model::lbfgs`; why: see there) with a
//! backtracking Armijo line search. Iteration stops when
//!
//! * the gradient's L2 norm falls below `gradient_tolerance`, or the loss stops changing by more
//!   than machine epsilon ([`FitReport::converged`] is `true`);
//! * `max_iterations` is reached (`converged == false`, not an error);
//! * the line search cannot make progress, which is typical once the optimum is reached to
//!   floating-point precision (`converged == false`, not an error: the last accepted iterate is
//!   kept and the reason is recorded in [`FitReport::termination`]). It is an error only if the
//!   solver made no progress at all from the starting point, or if the loss is not finite
//!   there.
//!
//! The solver minimises the objective divided by the total sample weight `Σ_i cw[y_i]` (the
//! weighted *mean* loss; the optimum is the same), so `gradient_tolerance` (default `1e-4`, on
//! the L2 norm of that mean gradient, close to scikit-learn's `tol`) means the same thing on
//! a hundred rows and on a hundred thousand. [`FitReport::final_loss`] is that mean objective.
//!
//! One pass over the data computes the loss and the gradient together; every line-search
//! trial costs one pass. The solver's dense vector arithmetic over the `n_params` parameters
//! runs in parallel in place (no allocation per iteration).
//!
//! # Parallelism, determinism and memory
//!
//! One loss/gradient pass has two parallel phases, both on rayon's current pool:
//!
//! 1. **Rows** are split into fixed blocks of 2048 rows. Each block computes its rows' logits,
//!    softmax, loss and the residuals `R_i = cw[y_i] (P_i − Y_i)` (written to an `n × K`
//!    buffer), plus its partial loss and intercept-gradient sums. The partials are collected into
//!    a `Vec` in block order and summed sequentially.
//! 2. **Features**: `Xᵀ R` is computed from a column-major (CSC) copy of `X`, built once per fit.
//!    Features are split into fixed blocks of 4096; the gradient entry of feature `j` is the sum
//!    over the rows of column `j` in increasing row order, computed entirely by one task, and
//!    the regulariser's partial sums are again reduced in block order.
//!
//! Block sizes never depend on the number of threads and every floating-point sum has a fixed
//! order, so the same data and parameters give bit-identical weights with 1 thread or with N.
//! The column-wise gradient needs no per-block dense gradient buffers at all, so memory does not
//! grow with the number of blocks or threads: besides the solver state (L-BFGS keeps 2 × 10
//! history vectors and five working vectors, each `n_params · 8` bytes) a fit allocates one
//! transposed copy of `X` (`nnz · 8 + (n_features + 1) · 8` bytes) and the `n_rows × K`
//! residual buffer.
//!
//! # Example
//!
//! ```
//! use linfa::ParamGuard;
//! use redflag::features::CsrMatrix;
//! use redflag::model::logistic::{ClassWeight, LogisticParams};
//!
//! // Six posts, three features, three classes.
//! let x = CsrMatrix::from_rows(
//!     3,
//!     [
//!         &[(0u32, 1.0f32)][..],
//!         &[(0, 0.9), (2, 0.1)][..],
//!         &[(1, 1.0)][..],
//!         &[(1, 0.8), (2, 0.2)][..],
//!         &[(2, 1.0)][..],
//!         &[(0, 0.1), (2, 0.9)][..],
//!     ],
//! )
//! .unwrap();
//! let y = [0, 0, 1, 1, 2, 2];
//!
//! let model = LogisticParams::default()
//!     .alpha(0.1)
//!     .class_weight(ClassWeight::Uniform)
//!     .check()
//!     .unwrap()
//!     .fit(&x, &y, 3)
//!     .unwrap();
//!
//! let mut proba = [0.0; 3];
//! model.predict_proba(x.row(2), &mut proba);
//! assert!((proba.iter().sum::<f64>() - 1.0).abs() < 1e-12);
//! assert!(proba[1] > proba[0] && proba[1] > proba[2]);
//! assert_eq!(model.predict_proba_matrix(&x).len(), 6 * 3);
//! ```

use std::borrow::Cow;

use ndarray::Array1;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::features::{all_finite, CsrMatrix, SparseRow};

/// Rows per block in the forward (loss / residual) phase. Fixed: determinism depends on it.
const ROW_BLOCK: usize = 2048;
/// Features per block in the backward (`Xᵀ R`) phase. Fixed: determinism depends on it.
const FEATURE_BLOCK: usize = 4096;
/// L-BFGS history length, as in linfa-logistic.
const LBFGS_MEMORY: usize = 10;

/// How training rows are weighted per class.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassWeight {
    /// Every row has weight 1.
    Uniform,
    /// `n_samples / (n_classes · count_c)` for class `c`, as scikit-learn's `"balanced"`.
    #[default]
    Balanced,
    /// One weight per class, each finite and strictly positive.
    Custom(Vec<f64>),
}

/// Everything that can go wrong when validating parameters, fitting or loading a model.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum LogisticError {
    /// `alpha` is negative, NaN or infinite.
    #[error("alpha must be finite and non-negative, got {0}")]
    InvalidAlpha(f64),
    /// `gradient_tolerance` is not finite or not positive.
    #[error("gradient_tolerance must be finite and positive, got {0}")]
    InvalidGradientTolerance(f64),
    /// `max_iterations` is zero.
    #[error("max_iterations must be at least 1")]
    ZeroMaxIterations,
    /// Custom class weights are empty, or one is negative, zero, NaN or infinite.
    #[error("invalid custom class weights: {0}")]
    InvalidClassWeights(String),
    /// The feature matrix has no rows.
    #[error("cannot fit on an empty data set (x has no rows)")]
    EmptyData,
    /// `y` does not have one label per row of `x`.
    #[error("x has {rows} rows but y has {labels} labels")]
    LengthMismatch {
        /// Rows in `x`.
        rows: usize,
        /// Labels in `y`.
        labels: usize,
    },
    /// A label is not below `n_classes`.
    #[error("label {label} at row {row} is out of range for {n_classes} classes")]
    LabelOutOfRange {
        /// Row of the offending label.
        row: usize,
        /// The label.
        label: usize,
        /// Number of classes requested.
        n_classes: usize,
    },
    /// Fewer than two classes were requested.
    #[error("need at least 2 classes, got {0}")]
    TooFewClasses(usize),
    /// A class has no training rows (its intercept would diverge to −∞).
    #[error("class {class} has no training samples")]
    EmptyClass {
        /// The class without samples.
        class: usize,
    },
    /// The number of custom class weights differs from `n_classes`.
    #[error("{got} custom class weights given for {expected} classes")]
    ClassWeightLength {
        /// `n_classes`.
        expected: usize,
        /// Number of custom weights.
        got: usize,
    },
    /// The feature matrix breaks a CSR invariant (e.g. after deserialising untrusted data).
    #[error("invalid feature matrix: {0}")]
    InvalidData(String),
    /// The problem does not fit in memory indices (`n_features · n_classes` overflows, or more
    /// than `u32::MAX` rows).
    #[error("problem too large: {0}")]
    TooLarge(String),
    /// The solver failed, or stopped without improving on the starting point; carries the solver's
    /// message.
    #[error("solver failed: {0}")]
    Solver(String),
    /// The loss, its gradient or the fitted weights are not finite (check feature scaling).
    #[error("non-finite loss or weights: {0}")]
    NonFiniteLoss(String),
    /// A (deserialised) model is inconsistent.
    #[error("invalid model: {0}")]
    InvalidModel(String),
    /// An error reported by linfa.
    #[error("linfa error: {0}")]
    Linfa(String),
}

impl From<linfa::Error> for LogisticError {
    fn from(e: linfa::Error) -> Self {
        LogisticError::Linfa(e.to_string())
    }
}

/// Validated trainer settings; obtain one with [`linfa::ParamGuard::check`] on
/// [`LogisticParams`], then call [`ValidLogisticParams::fit`].
#[derive(Clone, Debug, PartialEq)]
pub struct ValidLogisticParams {
    alpha: f64,
    max_iterations: u64,
    gradient_tolerance: f64,
    class_weight: ClassWeight,
    fit_intercept: bool,
}

impl Default for ValidLogisticParams {
    fn default() -> Self {
        ValidLogisticParams {
            alpha: 1.0,
            max_iterations: 200,
            gradient_tolerance: 1e-4,
            class_weight: ClassWeight::Balanced,
            fit_intercept: true,
        }
    }
}

/// Trainer settings (unchecked). Serialises as a flat object
/// `{"alpha", "max_iterations", "gradient_tolerance", "class_weight", "fit_intercept"}`; missing
/// fields take their defaults and unknown fields are rejected.
///
/// Defaults: `alpha = 1.0`, `max_iterations = 200`, `gradient_tolerance = 1e-4`,
/// `class_weight = Balanced`, `fit_intercept = true`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(from = "ParamsRepr", into = "ParamsRepr")]
pub struct LogisticParams(ValidLogisticParams);

/// The serialised form of [`LogisticParams`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct ParamsRepr {
    alpha: f64,
    max_iterations: u64,
    gradient_tolerance: f64,
    class_weight: ClassWeight,
    fit_intercept: bool,
}

impl Default for ParamsRepr {
    fn default() -> Self {
        LogisticParams::default().into()
    }
}

impl From<ParamsRepr> for LogisticParams {
    fn from(r: ParamsRepr) -> Self {
        LogisticParams(ValidLogisticParams {
            alpha: r.alpha,
            max_iterations: r.max_iterations,
            gradient_tolerance: r.gradient_tolerance,
            class_weight: r.class_weight,
            fit_intercept: r.fit_intercept,
        })
    }
}

impl From<LogisticParams> for ParamsRepr {
    fn from(p: LogisticParams) -> Self {
        let v = p.0;
        ParamsRepr {
            alpha: v.alpha,
            max_iterations: v.max_iterations,
            gradient_tolerance: v.gradient_tolerance,
            class_weight: v.class_weight,
            fit_intercept: v.fit_intercept,
        }
    }
}

impl LogisticParams {
    /// Default settings (see the type's documentation).
    pub fn new() -> Self {
        Self::default()
    }

    /// L2 penalty on the weights (not the intercept); `>= 0`.
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.0.alpha = alpha;
        self
    }

    /// Maximum number of L-BFGS iterations; `>= 1`.
    pub fn max_iterations(mut self, max_iterations: u64) -> Self {
        self.0.max_iterations = max_iterations;
        self
    }

    /// Stop when the gradient's L2 norm (of the summed, not averaged, loss) is below this; `> 0`.
    pub fn gradient_tolerance(mut self, gradient_tolerance: f64) -> Self {
        self.0.gradient_tolerance = gradient_tolerance;
        self
    }

    /// Per-class row weights.
    pub fn class_weight(mut self, class_weight: ClassWeight) -> Self {
        self.0.class_weight = class_weight;
        self
    }

    /// Whether to fit an (unregularised) intercept per class.
    pub fn fit_intercept(mut self, fit_intercept: bool) -> Self {
        self.0.fit_intercept = fit_intercept;
        self
    }
}

impl linfa::ParamGuard for LogisticParams {
    type Checked = ValidLogisticParams;
    type Error = LogisticError;

    fn check_ref(&self) -> Result<&ValidLogisticParams, LogisticError> {
        let p = &self.0;
        if !p.alpha.is_finite() || p.alpha < 0.0 {
            return Err(LogisticError::InvalidAlpha(p.alpha));
        }
        if !p.gradient_tolerance.is_finite() || p.gradient_tolerance <= 0.0 {
            return Err(LogisticError::InvalidGradientTolerance(
                p.gradient_tolerance,
            ));
        }
        if p.max_iterations == 0 {
            return Err(LogisticError::ZeroMaxIterations);
        }
        if let ClassWeight::Custom(w) = &p.class_weight {
            if w.is_empty() {
                return Err(LogisticError::InvalidClassWeights(
                    "no weights given".into(),
                ));
            }
            if let Some((c, v)) = w
                .iter()
                .enumerate()
                .find(|(_, v)| !v.is_finite() || **v <= 0.0)
            {
                return Err(LogisticError::InvalidClassWeights(format!(
                    "weight of class {c} is {v}; weights must be finite and > 0 \
                     (a zero weight lets that class's intercept diverge)"
                )));
            }
        }
        Ok(p)
    }

    fn check(self) -> Result<ValidLogisticParams, LogisticError> {
        self.check_ref()?;
        Ok(self.0)
    }
}

/// Convergence information recorded by [`ValidLogisticParams::fit`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FitReport {
    /// `true` iff the gradient norm fell below `gradient_tolerance` (or the loss stopped
    /// changing at machine precision).
    pub converged: bool,
    /// L-BFGS iterations performed.
    pub iterations: u64,
    /// Objective value (weighted log loss + L2 term) at the returned parameters.
    pub final_loss: f64,
    /// L2 norm of the objective's gradient at the returned parameters.
    pub final_gradient_norm: f64,
    /// Passes over the data (loss and gradient are computed together).
    pub evaluations: u64,
    /// Why the solver stopped, e.g. "Solver converged",
    /// "Maximum number of iterations reached" or a line-search message.
    pub termination: String,
    /// The class weights actually used (after resolving `Balanced`).
    pub class_weights: Vec<f64>,
}

/// A fitted multinomial logistic regression.
///
/// Weights are stored feature-major: the `n_classes` weights of feature `j` are
/// `weights[j * n_classes .. (j + 1) * n_classes]`. After deserialising a model from an
/// untrusted source, call [`LogisticModel::check_shape`] before use (scoring never panics on an
/// inconsistent model, but its results would be meaningless).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogisticModel {
    n_features: usize,
    n_classes: usize,
    weights: Cow<'static, [f32]>,
    intercept: Vec<f32>,
    report: FitReport,
}

impl ValidLogisticParams {
    /// L2 penalty.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// Maximum number of L-BFGS iterations.
    pub fn max_iterations(&self) -> u64 {
        self.max_iterations
    }

    /// Gradient-norm stopping tolerance.
    pub fn gradient_tolerance(&self) -> f64 {
        self.gradient_tolerance
    }

    /// Class weighting scheme.
    pub fn class_weight(&self) -> &ClassWeight {
        &self.class_weight
    }

    /// Whether an intercept is fitted.
    pub fn fit_intercept(&self) -> bool {
        self.fit_intercept
    }

    /// Fits the model on `x` (`n_rows × n_features`) with labels `y[i] < n_classes`.
    ///
    /// Errors (never panics) on empty data, `y.len() != x.n_rows()`, a label `>= n_classes`,
    /// `n_classes < 2`, a class without samples, a custom weight count different from
    /// `n_classes`, a malformed matrix, a solver failure without progress or a non-finite
    /// result. Hitting `max_iterations` is not an error: see [`FitReport::converged`].
    pub fn fit(
        &self,
        x: &CsrMatrix,
        y: &[usize],
        n_classes: usize,
    ) -> Result<LogisticModel, LogisticError> {
        self.fit_with_progress(x, y, n_classes, &crate::progress::Silent)
    }

    /// [`Self::fit`], reporting the solver's iterations to `progress` (stage "L-BFGS", one
    /// step per iteration, at most `max_iterations`).
    pub fn fit_with_progress(
        &self,
        x: &CsrMatrix,
        y: &[usize],
        n_classes: usize,
        progress: &dyn crate::progress::Progress,
    ) -> Result<LogisticModel, LogisticError> {
        let n_rows = x.n_rows();
        if n_rows == 0 {
            return Err(LogisticError::EmptyData);
        }
        if y.len() != n_rows {
            return Err(LogisticError::LengthMismatch {
                rows: n_rows,
                labels: y.len(),
            });
        }
        if n_classes < 2 {
            return Err(LogisticError::TooFewClasses(n_classes));
        }
        // With more classes than rows some class in 0..=n_rows is empty (pigeonhole), so
        // counting that far is enough and a huge `n_classes` allocates nothing big.
        let mut counts = vec![0usize; n_classes.min(n_rows + 1)];
        for (row, &label) in y.iter().enumerate() {
            if label >= n_classes {
                return Err(LogisticError::LabelOutOfRange {
                    row,
                    label,
                    n_classes,
                });
            }
            if let Some(c) = counts.get_mut(label) {
                *c += 1;
            }
        }
        if let ClassWeight::Custom(w) = &self.class_weight {
            if w.len() != n_classes {
                return Err(LogisticError::ClassWeightLength {
                    expected: n_classes,
                    got: w.len(),
                });
            }
        }
        if let Some(class) = counts.iter().position(|&c| c == 0) {
            return Err(LogisticError::EmptyClass { class });
        }
        let class_weights = resolve_class_weights(&self.class_weight, &counts);

        let n_features = x.n_cols();
        let n_weights = n_features.checked_mul(n_classes).ok_or_else(|| {
            LogisticError::TooLarge(format!("{n_features} features × {n_classes} classes"))
        })?;
        let n_params = n_weights
            .checked_add(if self.fit_intercept { n_classes } else { 0 })
            .ok_or_else(|| LogisticError::TooLarge("parameter count overflows".into()))?;

        let objective = Objective {
            x,
            csc: Csc::from_csr(x)?,
            y,
            class_weights: class_weights.clone(),
            alpha: self.alpha,
            scale: 1.0 / y.iter().map(|&c| class_weights[c]).sum::<f64>(),
            n_features,
            n_classes,
        };

        let mut non_finite: Option<String> = None;
        progress.stage("L-BFGS", Some(self.max_iterations));
        let outcome = super::lbfgs::minimize_with_progress(
            vec![0.0; n_params],
            LBFGS_MEMORY,
            self.max_iterations,
            self.gradient_tolerance,
            |w, grad| {
                let loss = objective.loss_grad_into(w, grad);
                if !loss.is_finite() || grad.iter().any(|g| !g.is_finite()) {
                    let msg = format!(
                        "loss {loss} or its gradient is not finite at a trial point (check feature scaling)"
                    );
                    non_finite = Some(msg.clone());
                    return Err(msg);
                }
                Ok(loss)
            },
            progress,
        )
        .map_err(LogisticError::NonFiniteLoss)?;
        let failure = |msg: &str| match &non_finite {
            Some(nf) => LogisticError::NonFiniteLoss(format!("{nf}; solver: {msg}")),
            None => LogisticError::Solver(msg.to_string()),
        };
        if outcome.iterations == 0 && !outcome.converged {
            return Err(failure(&outcome.termination));
        }
        let super::lbfgs::Outcome {
            x: best,
            loss,
            gradient_norm: final_gradient_norm,
            iterations,
            evaluations,
            converged,
            termination,
        } = outcome;
        let weights: Vec<f32> = best[..n_weights].iter().map(|&w| w as f32).collect();
        let intercept: Vec<f32> = if self.fit_intercept {
            best[n_weights..].iter().map(|&b| b as f32).collect()
        } else {
            vec![0.0; n_classes]
        };
        if weights.iter().chain(&intercept).any(|v| !v.is_finite()) {
            return Err(LogisticError::NonFiniteLoss(
                "fitted weights overflow f32".into(),
            ));
        }
        Ok(LogisticModel {
            n_features,
            n_classes,
            weights: weights.into(),
            intercept,
            report: FitReport {
                converged,
                iterations,
                final_loss: loss,
                final_gradient_norm,
                evaluations,
                termination,
                class_weights,
            },
        })
    }
}

/// `Fit` for linfa datasets. `n_classes` is taken as `max(label) + 1`; use
/// [`ValidLogisticParams::fit`] directly when the highest class might be absent (it then
/// reports [`LogisticError::EmptyClass`] instead of silently fitting fewer classes).
impl linfa::traits::Fit<CsrMatrix, Array1<usize>, LogisticError> for ValidLogisticParams {
    type Object = LogisticModel;

    fn fit(
        &self,
        dataset: &linfa::DatasetBase<CsrMatrix, Array1<usize>>,
    ) -> Result<LogisticModel, LogisticError> {
        let y = dataset.targets.to_vec();
        let n_classes = y.iter().max().map_or(0, |&m| m.saturating_add(1));
        ValidLogisticParams::fit(self, &dataset.records, &y, n_classes)
    }
}

/// Resolves the class-weight scheme for the given per-class counts (all non-zero).
fn resolve_class_weights(scheme: &ClassWeight, counts: &[usize]) -> Vec<f64> {
    match scheme {
        ClassWeight::Uniform => vec![1.0; counts.len()],
        ClassWeight::Balanced => {
            let n: usize = counts.iter().sum();
            let k = counts.len() as f64;
            counts.iter().map(|&c| n as f64 / (k * c as f64)).collect()
        }
        ClassWeight::Custom(w) => w.clone(),
    }
}

impl LogisticModel {
    /// Number of features the model was trained with.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.n_classes
    }

    /// All weights, feature-major (`weights[j * n_classes + c]`).
    pub fn weights(&self) -> &[f32] {
        &self.weights
    }

    /// Per-class intercepts (zeros if fitted without intercept).
    pub fn intercept(&self) -> &[f32] {
        &self.intercept
    }

    /// A model from stored parts (owned, or the weights borrowed from a model file read in
    /// place). Like a deserialised model it is not checked here: call
    /// [`LogisticModel::check_shape`] before use (`Classifier::from_parts` does).
    pub fn from_parts(
        n_features: usize,
        n_classes: usize,
        weights: impl Into<Cow<'static, [f32]>>,
        intercept: Vec<f32>,
        report: FitReport,
    ) -> Self {
        LogisticModel {
            n_features,
            n_classes,
            weights: weights.into(),
            intercept,
            report,
        }
    }

    /// How the fit went.
    pub fn report(&self) -> &FitReport {
        &self.report
    }

    /// Weight of `feature` for `class`; `0.0` if either index is out of range (consistent with
    /// unknown features being ignored when scoring).
    pub fn weight(&self, feature: usize, class: usize) -> f32 {
        if feature >= self.n_features || class >= self.n_classes {
            return 0.0;
        }
        feature
            .checked_mul(self.n_classes)
            .and_then(|i| i.checked_add(class))
            .and_then(|i| self.weights.get(i))
            .copied()
            .unwrap_or(0.0)
    }

    /// Writes the logits `x·W + b` of `row` into `out`.
    ///
    /// Columns `>= n_features` (features unknown to the model, e.g. from a larger vocabulary)
    /// are ignored, i.e. treated as having weight zero; this never panics on any row.
    ///
    /// # Panics
    /// If `out.len() != n_classes()` (a caller bug, not a data problem).
    pub fn decision_function(&self, row: SparseRow, out: &mut [f64]) {
        let k = self.n_classes;
        assert_eq!(
            out.len(),
            k,
            "output buffer has {} slots for {} classes",
            out.len(),
            k
        );
        out.fill(0.0);
        for (o, &b) in out.iter_mut().zip(&self.intercept) {
            *o = f64::from(b);
        }
        for (j, v) in row.iter() {
            if j >= self.n_features {
                continue;
            }
            let Some(start) = j.checked_mul(k) else {
                continue;
            };
            let Some(w) = self.weights.get(start..start.saturating_add(k)) else {
                continue;
            };
            let v = f64::from(v);
            for (o, &wc) in out.iter_mut().zip(w) {
                *o += v * f64::from(wc);
            }
        }
    }

    /// Writes the class probabilities of `row` into `out`: finite, non-negative and summing to
    /// one (up to rounding) for every input, including huge logits. Unknown columns are ignored
    /// as in [`LogisticModel::decision_function`].
    ///
    /// # Panics
    /// If `out.len() != n_classes()`.
    pub fn predict_proba(&self, row: SparseRow, out: &mut [f64]) {
        self.decision_function(row, out);
        softmax_in_place(out);
    }

    /// Probabilities for every row of `x`, row-major (`n_rows × n_classes`). Parallel over rows.
    pub fn predict_proba_matrix(&self, x: &CsrMatrix) -> Vec<f64> {
        let k = self.n_classes;
        let mut out = vec![0.0; x.n_rows().saturating_mul(k)];
        if k == 0 {
            return out;
        }
        out.par_chunks_mut(k)
            .with_min_len(256)
            .enumerate()
            .for_each(|(i, o)| self.predict_proba(x.row(i), o));
        out
    }

    /// Validates a model (e.g. one deserialised from an untrusted file): at least two classes,
    /// `weights.len() == n_features * n_classes`, `intercept.len() == n_classes`, and every
    /// weight and intercept finite.
    pub fn check_shape(&self) -> Result<(), LogisticError> {
        if self.n_classes < 2 {
            return Err(LogisticError::InvalidModel(format!(
                "{} classes (need at least 2)",
                self.n_classes
            )));
        }
        let expected = self.n_features.checked_mul(self.n_classes).ok_or_else(|| {
            LogisticError::InvalidModel("n_features × n_classes overflows".into())
        })?;
        if self.weights.len() != expected {
            return Err(LogisticError::InvalidModel(format!(
                "{} weights for {} features × {} classes",
                self.weights.len(),
                self.n_features,
                self.n_classes
            )));
        }
        if self.intercept.len() != self.n_classes {
            return Err(LogisticError::InvalidModel(format!(
                "{} intercepts for {} classes",
                self.intercept.len(),
                self.n_classes
            )));
        }
        // All finite, in a form the compiler vectorises (the default model has 4.6 million
        // weights, checked on every load); the position only when one is not.
        if !all_finite(&self.weights) {
            let i = self
                .weights
                .iter()
                .position(|w| !w.is_finite())
                .unwrap_or(0);
            return Err(LogisticError::InvalidModel(format!(
                "weight {i} (feature {}, class {}) is not finite",
                i / self.n_classes,
                i % self.n_classes
            )));
        }
        if let Some(c) = self.intercept.iter().position(|b| !b.is_finite()) {
            return Err(LogisticError::InvalidModel(format!(
                "intercept of class {c} is not finite"
            )));
        }
        Ok(())
    }
}

/// Numerically stable softmax that always produces finite probabilities summing to one:
/// `+∞` logits share the mass equally, NaN / `−∞` logits get zero, and if no logit is usable the
/// distribution is uniform.
fn softmax_in_place(z: &mut [f64]) {
    if z.is_empty() {
        return;
    }
    let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if max.is_finite() {
        let mut sum = 0.0;
        for v in z.iter_mut() {
            *v = if v.is_nan() { 0.0 } else { (*v - max).exp() };
            sum += *v;
        }
        // sum >= 1: the maximum contributes exp(0).
        for v in z.iter_mut() {
            *v /= sum;
        }
    } else if max == f64::INFINITY {
        let n = z.iter().filter(|v| **v == f64::INFINITY).count() as f64;
        for v in z.iter_mut() {
            *v = if *v == f64::INFINITY { 1.0 / n } else { 0.0 };
        }
    } else {
        let n = z.len() as f64;
        z.fill(1.0 / n);
    }
}

/// Column-major copy of the training matrix, used to compute `Xᵀ R` one feature at a time.
struct Csc {
    indptr: Vec<usize>,
    rows: Vec<u32>,
    vals: Vec<f32>,
}

impl Csc {
    /// Transposes `x`, validating column indices and values on the way.
    fn from_csr(x: &CsrMatrix) -> Result<Self, LogisticError> {
        let n_cols = x.n_cols();
        if u32::try_from(n_cols).is_err() {
            return Err(LogisticError::TooLarge(format!(
                "{n_cols} columns (at most {})",
                u32::MAX
            )));
        }
        if u32::try_from(x.n_rows()).is_err() {
            return Err(LogisticError::TooLarge(format!(
                "{} rows (at most {})",
                x.n_rows(),
                u32::MAX
            )));
        }
        let mut counts = vec![0usize; n_cols + 1];
        for (i, row) in x.rows().enumerate() {
            if row.indices.len() != row.data.len() {
                return Err(LogisticError::InvalidData(format!(
                    "row {i} has {} indices but {} values",
                    row.indices.len(),
                    row.data.len()
                )));
            }
            for (j, v) in row.iter() {
                if j >= n_cols {
                    return Err(LogisticError::InvalidData(format!(
                        "row {i} has column {j} but the matrix has {n_cols} columns"
                    )));
                }
                if !v.is_finite() {
                    return Err(LogisticError::InvalidData(format!(
                        "row {i}, column {j}: value is not finite"
                    )));
                }
                counts[j + 1] += 1;
            }
        }
        for j in 0..n_cols {
            counts[j + 1] += counts[j];
        }
        let indptr = counts;
        let nnz = indptr[n_cols];
        let mut next = indptr.clone();
        let mut rows = vec![0u32; nnz];
        let mut vals = vec![0f32; nnz];
        for (i, row) in x.rows().enumerate() {
            for (j, v) in row.iter() {
                let p = next[j];
                rows[p] = i as u32;
                vals[p] = v;
                next[j] += 1;
            }
        }
        Ok(Csc { indptr, rows, vals })
    }

    fn col(&self, j: usize) -> (&[u32], &[f32]) {
        let (a, b) = (self.indptr[j], self.indptr[j + 1]);
        (&self.rows[a..b], &self.vals[a..b])
    }
}

/// The training objective over one data set.
struct Objective<'a> {
    x: &'a CsrMatrix,
    csc: Csc,
    y: &'a [usize],
    class_weights: Vec<f64>,
    alpha: f64,
    /// `1 / Σ_i cw[y_i]`: the solver minimises the weighted *mean* loss (same optimum), so
    /// the gradient tolerance means the same at 100 rows and at 100,000.
    scale: f64,
    n_features: usize,
    n_classes: usize,
}

impl Objective<'_> {
    /// Loss and gradient at `w` (layout: `W` feature-major, then the intercept if present).
    /// Deterministic for any rayon pool size.
    #[cfg(test)]
    fn loss_grad(&self, w: &[f64]) -> (f64, Vec<f64>) {
        let mut grad = vec![0.0; w.len()];
        let loss = self.loss_grad_into(w, &mut grad);
        (loss, grad)
    }

    /// [`Self::loss_grad`] into a caller's gradient buffer (`grad.len() == w.len()`).
    fn loss_grad_into(&self, w: &[f64], grad: &mut [f64]) -> f64 {
        let k = self.n_classes;
        let n_weights = self.n_features * k;
        let (wmat, b) = w.split_at(n_weights);
        let n = self.x.n_rows();

        // Phase 1: rows → residuals, loss and intercept partials, in fixed blocks.
        let mut resid = vec![0.0f64; n * k];
        let partials: Vec<(f64, Vec<f64>)> = resid
            .par_chunks_mut(ROW_BLOCK * k)
            .enumerate()
            .map(|(block, chunk)| {
                let first = block * ROW_BLOCK;
                let mut loss = 0.0;
                let mut bsum = vec![0.0; k];
                let mut z = vec![0.0; k];
                for (off, r) in chunk.chunks_mut(k).enumerate() {
                    let i = first + off;
                    if b.is_empty() {
                        z.fill(0.0);
                    } else {
                        z.copy_from_slice(b);
                    }
                    for (j, v) in self.x.row(i).iter() {
                        let v = f64::from(v);
                        for (zc, &wc) in z.iter_mut().zip(&wmat[j * k..(j + 1) * k]) {
                            *zc += v * wc;
                        }
                    }
                    let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    let lse = m + z.iter().map(|&zc| (zc - m).exp()).sum::<f64>().ln();
                    let label = self.y[i];
                    let cw = self.class_weights[label];
                    loss += cw * (lse - z[label]);
                    for (c, ((rc, &zc), bc)) in r.iter_mut().zip(&z).zip(&mut bsum).enumerate() {
                        let onehot = if c == label { 1.0 } else { 0.0 };
                        *rc = cw * ((zc - lse).exp() - onehot);
                        *bc += *rc;
                    }
                }
                (loss, bsum)
            })
            .collect();

        // Phase 2: features → Xᵀ R + alpha W, one feature per inner loop, in fixed blocks.
        grad.fill(0.0);
        let (gw, gb) = grad.split_at_mut(n_weights);
        let alpha = self.alpha;
        let resid = &resid;
        let sq_partials: Vec<f64> = gw
            .par_chunks_mut(FEATURE_BLOCK * k)
            .zip(wmat.par_chunks(FEATURE_BLOCK * k))
            .enumerate()
            .map(|(block, (gchunk, wchunk))| {
                let first = block * FEATURE_BLOCK;
                let mut sq = 0.0;
                for (off, (g, wj)) in gchunk.chunks_mut(k).zip(wchunk.chunks(k)).enumerate() {
                    let (rows, vals) = self.csc.col(first + off);
                    for (&i, &v) in rows.iter().zip(vals) {
                        let v = f64::from(v);
                        let ri = i as usize * k;
                        for (gc, &rc) in g.iter_mut().zip(&resid[ri..ri + k]) {
                            *gc += v * rc;
                        }
                    }
                    for (gc, &wc) in g.iter_mut().zip(wj) {
                        *gc += alpha * wc;
                        sq += wc * wc;
                    }
                }
                sq
            })
            .collect();

        // Ordered reductions.
        let mut loss = 0.0;
        for (block_loss, bsum) in &partials {
            loss += block_loss;
            for (g, s) in gb.iter_mut().zip(bsum) {
                *g += s;
            }
        }
        let sq: f64 = sq_partials.iter().sum();
        for g in grad.iter_mut() {
            *g *= self.scale;
        }
        (loss + 0.5 * alpha * sq) * self.scale
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linfa::ParamGuard;
    use ndarray::Array2;

    /// Tiny deterministic generator (Knuth's MMIX LCG), uniform in [0, 1).
    struct Lcg(u64);

    impl Lcg {
        fn next_f64(&mut self) -> f64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }

        fn below(&mut self, n: usize) -> usize {
            ((self.next_f64() * n as f64) as usize).min(n - 1)
        }
    }

    /// A dense-ish problem with overlapping class clusters and ~30% zeros, values exactly
    /// representable in f32. Returns (dense f64 matrix, CSR matrix, labels).
    fn dense_problem(
        n: usize,
        d: usize,
        k: usize,
        seed: u64,
    ) -> (Array2<f64>, CsrMatrix, Vec<usize>) {
        let mut rng = Lcg(seed);
        let centers: Vec<Vec<f64>> = (0..k)
            .map(|_| (0..d).map(|_| 2.0 * rng.next_f64() - 1.0).collect())
            .collect();
        let mut dense = Array2::zeros((n, d));
        let mut csr = CsrMatrix::new(d);
        let mut y = Vec::with_capacity(n);
        for i in 0..n {
            let c = i % k;
            y.push(c);
            let mut entries = Vec::new();
            for j in 0..d {
                if rng.next_f64() < 0.3 {
                    continue;
                }
                let v = (centers[c][j] + 2.0 * (rng.next_f64() - 0.5)) as f32;
                if v != 0.0 {
                    dense[[i, j]] = f64::from(v);
                    entries.push((j as u32, v));
                }
            }
            csr.push_row(&entries).unwrap();
        }
        (dense, csr, y)
    }

    /// A sparse text-like problem: `nnz` random columns per row, with a few class-indicative
    /// columns mixed in.
    fn sparse_problem(
        n: usize,
        d: usize,
        k: usize,
        nnz: usize,
        seed: u64,
    ) -> (CsrMatrix, Vec<usize>) {
        let mut rng = Lcg(seed);
        let mut x = CsrMatrix::new(d);
        let mut y = Vec::with_capacity(n);
        let mut cols = Vec::with_capacity(nnz);
        for _ in 0..n {
            let c = rng.below(k);
            y.push(c);
            cols.clear();
            for t in 0..nnz {
                // One in four entries comes from the class's own block of columns.
                let j = if t % 4 == 0 && rng.next_f64() < 0.7 {
                    c * (d / k) + rng.below(d / k / 10 + 1)
                } else {
                    rng.below(d)
                };
                cols.push(j as u32);
            }
            cols.sort_unstable();
            cols.dedup();
            let entries: Vec<(u32, f32)> = cols
                .iter()
                .map(|&j| (j, (0.1 + rng.next_f64()) as f32 / (nnz as f32).sqrt()))
                .collect();
            x.push_row(&entries).unwrap();
        }
        (x, y)
    }

    fn objective<'a>(
        x: &'a CsrMatrix,
        y: &'a [usize],
        k: usize,
        cw: Vec<f64>,
        alpha: f64,
    ) -> Objective<'a> {
        Objective {
            x,
            csc: Csc::from_csr(x).unwrap(),
            y,
            class_weights: cw,
            alpha,
            scale: 1.0,
            n_features: x.n_cols(),
            n_classes: k,
        }
    }

    #[test]
    fn matches_linfa_logistic() {
        use linfa::traits::Fit;
        let (n, d, k) = (120, 6, 3);
        let (dense, csr, y) = dense_problem(n, d, k, 42);
        for alpha in [0.1, 1.0] {
            let dataset = linfa::Dataset::new(dense.clone(), Array1::from(y.clone()));
            let reference = linfa_logistic::MultiLogisticRegression::default()
                .alpha(alpha)
                .max_iterations(1000)
                .gradient_tolerance(1e-9)
                .fit(&dataset)
                .unwrap();
            let model = LogisticParams::new()
                .alpha(alpha)
                .max_iterations(1000)
                .gradient_tolerance(1e-9)
                .class_weight(ClassWeight::Uniform)
                .check()
                .unwrap()
                .fit(&csr, &y, k)
                .unwrap();

            let ref_w = reference.params();
            let ref_b = reference.intercept();
            let mut max_w: f64 = 0.0;
            for j in 0..d {
                for c in 0..k {
                    max_w = max_w.max((f64::from(model.weight(j, c)) - ref_w[[j, c]]).abs());
                }
            }
            // The intercept is identified only up to a common shift (softmax is invariant to it
            // and it is not regularised), so compare centred intercepts. Ours sums to zero by
            // construction; linfa-logistic's can drift by a constant (its log-sum-exp uses one
            // global maximum and clamps the sum at 1e-15, which breaks the zero-sum property of
            // the intercept gradient on extreme line-search trial points).
            let ours_b: Vec<f64> = model.intercept().iter().map(|&b| f64::from(b)).collect();
            let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
            let (ours_mean, ref_mean) = (mean(&ours_b), mean(ref_b.as_slice().unwrap()));
            assert!(ours_mean.abs() < 1e-5, "our intercept sums to {ours_mean}");
            let mut max_b: f64 = 0.0;
            for c in 0..k {
                max_b = max_b.max(((ours_b[c] - ours_mean) - (ref_b[c] - ref_mean)).abs());
            }
            let ref_p = reference.predict_probabilities(&dense);
            let p = model.predict_proba_matrix(&csr);
            let mut max_p: f64 = 0.0;
            for i in 0..n {
                for c in 0..k {
                    max_p = max_p.max((p[i * k + c] - ref_p[[i, c]]).abs());
                }
            }
            println!(
                "alpha {alpha}: max |Δw| = {max_w:.3e}, max |Δb (centred)| = {max_b:.3e}, \
                 max |Δp| = {max_p:.3e}; report {:?}",
                model.report()
            );
            println!("  our intercept {ours_b:?}, linfa-logistic's {ref_b}");
            assert!(max_w < 1e-5, "weights differ by {max_w}");
            assert!(max_b < 1e-5, "intercepts differ by {max_b}");
            assert!(max_p < 1e-6, "probabilities differ by {max_p}");
            // The problem is not separable: some training rows are misclassified.
            let errors = (0..n)
                .filter(|&i| (0..k).any(|c| p[i * k + c] > p[i * k + y[i]]))
                .count();
            println!("  training errors: {errors}/{n}");
            assert!(errors > 0);
        }
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let (_, x, y) = dense_problem(9, 4, 3, 7);
        let cw = vec![1.0, 2.5, 0.5];
        let alpha = 0.3;
        let obj = objective(&x, &y, 3, cw, alpha);
        let n_params = 4 * 3 + 3;
        let mut rng = Lcg(99);
        let w: Vec<f64> = (0..n_params).map(|_| rng.next_f64() - 0.5).collect();
        let (_, grad) = obj.loss_grad(&w);
        let h = 1e-6;
        for p in 0..n_params {
            let mut wp = w.clone();
            wp[p] += h;
            let mut wm = w.clone();
            wm[p] -= h;
            let fd = (obj.loss_grad(&wp).0 - obj.loss_grad(&wm).0) / (2.0 * h);
            assert!(
                (fd - grad[p]).abs() <= 1e-6 * (1.0 + fd.abs()),
                "param {p}: analytic {} vs finite difference {fd}",
                grad[p]
            );
        }

        // The loss itself against a direct evaluation of the formula.
        let (loss, _) = obj.loss_grad(&w);
        let mut direct = 0.0;
        for (i, row) in x.rows().enumerate() {
            let z: Vec<f64> = (0..3)
                .map(|c| {
                    w[12 + c]
                        + row
                            .iter()
                            .map(|(j, v)| f64::from(v) * w[j * 3 + c])
                            .sum::<f64>()
                })
                .collect();
            let lse = z.iter().map(|v| v.exp()).sum::<f64>().ln();
            direct += [1.0, 2.5, 0.5][y[i]] * (lse - z[y[i]]);
        }
        direct += 0.5 * alpha * w[..12].iter().map(|v| v * v).sum::<f64>();
        assert!((loss - direct).abs() < 1e-10, "{loss} vs {direct}");

        // Without intercept the layout has no trailing block.
        let (l2, g2) = obj_without_intercept(&x, &y, &w[..12]);
        assert_eq!(g2.len(), 12);
        assert!(l2.is_finite());
    }

    fn obj_without_intercept(x: &CsrMatrix, y: &[usize], w: &[f64]) -> (f64, Vec<f64>) {
        objective(x, y, 3, vec![1.0; 3], 0.3).loss_grad(w)
    }

    #[test]
    fn balanced_weights_follow_sklearn_and_shift_predictions() {
        assert_eq!(
            resolve_class_weights(&ClassWeight::Balanced, &[6, 3, 1]),
            vec![10.0 / 18.0, 10.0 / 9.0, 10.0 / 3.0]
        );
        assert_eq!(
            resolve_class_weights(&ClassWeight::Uniform, &[6, 3, 1]),
            vec![1.0; 3]
        );

        // Imbalanced: class 2 is rare (about 8%).
        let (_, x, y_full) = dense_problem(300, 5, 3, 3);
        let y: Vec<usize> = y_full
            .iter()
            .enumerate()
            .map(|(i, &c)| if c == 2 && i % 4 != 2 { 0 } else { c })
            .collect();
        let counts: Vec<usize> = (0..3)
            .map(|c| y.iter().filter(|&&l| l == c).count())
            .collect();
        let fit = |cw: ClassWeight| {
            LogisticParams::new()
                .alpha(0.5)
                .class_weight(cw)
                .check()
                .unwrap()
                .fit(&x, &y, 3)
                .unwrap()
        };
        let uniform = fit(ClassWeight::Uniform);
        let balanced = fit(ClassWeight::Balanced);
        let n = y.len() as f64;
        assert_eq!(
            balanced.report().class_weights,
            counts
                .iter()
                .map(|&c| n / (3.0 * c as f64))
                .collect::<Vec<_>>()
        );
        let mean_p2 = |m: &LogisticModel| {
            let p = m.predict_proba_matrix(&x);
            (0..y.len()).map(|i| p[i * 3 + 2]).sum::<f64>() / n
        };
        let (pu, pb) = (mean_p2(&uniform), mean_p2(&balanced));
        assert!(pb > pu + 0.05, "balanced {pb} vs uniform {pu}");
        assert!(balanced.intercept()[2] > uniform.intercept()[2]);

        // Custom weights equal to the balanced ones reproduce the balanced fit exactly.
        let custom = fit(ClassWeight::Custom(balanced.report().class_weights.clone()));
        assert_eq!(custom.weights(), balanced.weights());
    }

    #[test]
    fn deterministic_across_thread_counts() {
        // Several row blocks and feature blocks, so the parallel paths are exercised.
        let (x, y) = sparse_problem(9000, 10_000, 4, 20, 5);
        let params = LogisticParams::new()
            .alpha(0.5)
            .max_iterations(25)
            .check()
            .unwrap();
        let fit_with = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| params.fit(&x, &y, 4).unwrap())
        };
        let one = fit_with(1);
        let four = fit_with(4);
        let three = fit_with(3);
        let bits = |m: &LogisticModel| {
            m.weights()
                .iter()
                .chain(m.intercept())
                .map(|v| v.to_bits())
                .collect::<Vec<_>>()
        };
        assert_eq!(bits(&one), bits(&four));
        assert_eq!(bits(&one), bits(&three));
        assert_eq!(
            one.report().final_loss.to_bits(),
            four.report().final_loss.to_bits()
        );
        assert_eq!(one.report(), four.report());
        assert!(one.report().iterations > 0);
    }

    #[test]
    fn max_iterations_is_reported_not_an_error() {
        let (x, y) = sparse_problem(500, 300, 3, 10, 11);
        let m = LogisticParams::new()
            .max_iterations(2)
            .gradient_tolerance(1e-12)
            .check()
            .unwrap()
            .fit(&x, &y, 3)
            .unwrap();
        let r = m.report();
        assert!(!r.converged);
        assert_eq!(r.iterations, 2);
        assert_eq!(r.termination, "Maximum number of iterations reached");
        assert!(r.final_loss.is_finite() && r.final_gradient_norm > 1e-12);
        assert!(r.evaluations >= 3);

        let converged = LogisticParams::new()
            .gradient_tolerance(1e-3)
            .max_iterations(500)
            .check()
            .unwrap()
            .fit(&x, &y, 3)
            .unwrap();
        assert!(converged.report().converged, "{:?}", converged.report());
        assert!(converged.report().final_gradient_norm < 1e-3);
        m.check_shape().unwrap();
        converged.check_shape().unwrap();
    }

    #[test]
    fn unreachable_tolerance_ends_gracefully() {
        // The gradient norm cannot get below 1e-300; the solver stops on a stalled loss or a
        // failed line search, which is reported, not an error.
        let (_, x, y) = dense_problem(90, 5, 3, 4);
        let m = LogisticParams::new()
            .alpha(0.1)
            .gradient_tolerance(1e-300)
            .max_iterations(100_000)
            .check()
            .unwrap()
            .fit(&x, &y, 3)
            .unwrap();
        let r = m.report();
        println!("{r:?}");
        assert!(r.iterations < 100_000);
        assert!(r.final_gradient_norm < 1e-6);
        m.check_shape().unwrap();
    }

    #[test]
    fn line_search_failure_is_reported_not_an_error() {
        // Nearly unregularised problems pushed to an unreachable tolerance: More–Thuente
        // eventually rejects the L-BFGS direction. (Which cases hit this path depends on
        // floating-point details, so any of these known ones will do.)
        let mut hits = 0;
        let cases = (0u64..40).flat_map(|seed| [(seed, 1e-6), (seed, 0.0)]);
        for (seed, alpha) in cases {
            if hits > 0 {
                break;
            }
            let (n, d) = (20 + (seed as usize % 5) * 20, 3 + seed as usize % 4);
            let (_, x, y) = dense_problem(n, d, 3, seed);
            let m = LogisticParams::new()
                .alpha(alpha)
                .gradient_tolerance(1e-300)
                .max_iterations(3000)
                .class_weight(ClassWeight::Uniform)
                .check()
                .unwrap()
                .fit(&x, &y, 3)
                .unwrap();
            let r = m.report();
            if r.termination.starts_with("Line search terminated") {
                hits += 1;
                assert!(!r.converged);
                assert!(r.final_gradient_norm < 1e-5, "{r:?}");
                m.check_shape().unwrap();
            }
        }
        assert!(hits > 0, "no case ended in a line-search failure");
    }

    #[test]
    fn without_intercept() {
        let (_, x, y) = dense_problem(60, 5, 3, 8);
        let m = LogisticParams::new()
            .fit_intercept(false)
            .check()
            .unwrap()
            .fit(&x, &y, 3)
            .unwrap();
        assert_eq!(m.intercept(), &[0.0, 0.0, 0.0]);
        assert_eq!(m.weights().len(), 15);
        m.check_shape().unwrap();
    }

    #[test]
    fn check_rejects_bad_params() {
        let bad = |p: LogisticParams| p.check().unwrap_err();
        assert_eq!(
            bad(LogisticParams::new().alpha(-1.0)),
            LogisticError::InvalidAlpha(-1.0)
        );
        assert!(matches!(
            bad(LogisticParams::new().alpha(f64::NAN)),
            LogisticError::InvalidAlpha(_)
        ));
        assert!(matches!(
            bad(LogisticParams::new().alpha(f64::INFINITY)),
            LogisticError::InvalidAlpha(_)
        ));
        for tol in [0.0, -1e-3, f64::NAN, f64::INFINITY] {
            assert!(matches!(
                bad(LogisticParams::new().gradient_tolerance(tol)),
                LogisticError::InvalidGradientTolerance(_)
            ));
        }
        assert_eq!(
            bad(LogisticParams::new().max_iterations(0)),
            LogisticError::ZeroMaxIterations
        );
        for w in [
            vec![],
            vec![1.0, -0.5],
            vec![1.0, f64::NAN],
            vec![f64::INFINITY, 1.0],
            vec![0.0, 1.0],
        ] {
            assert!(matches!(
                bad(LogisticParams::new().class_weight(ClassWeight::Custom(w))),
                LogisticError::InvalidClassWeights(_)
            ));
        }
        // alpha = 0 is allowed.
        LogisticParams::new().alpha(0.0).check().unwrap();
        assert_eq!(
            LogisticParams::default().check_ref().unwrap(),
            &ValidLogisticParams::default()
        );
    }

    #[test]
    fn fit_rejects_bad_data() {
        let p = LogisticParams::new().check().unwrap();
        let (_, x, y) = dense_problem(12, 3, 3, 1);
        assert_eq!(
            p.fit(&CsrMatrix::new(3), &[], 3).unwrap_err(),
            LogisticError::EmptyData
        );
        assert_eq!(
            p.fit(&x, &y[..11], 3).unwrap_err(),
            LogisticError::LengthMismatch {
                rows: 12,
                labels: 11
            }
        );
        let mut y_bad = y.clone();
        y_bad[5] = 3;
        assert_eq!(
            p.fit(&x, &y_bad, 3).unwrap_err(),
            LogisticError::LabelOutOfRange {
                row: 5,
                label: 3,
                n_classes: 3
            }
        );
        assert_eq!(
            p.fit(&x, &[0; 12], 1).unwrap_err(),
            LogisticError::TooFewClasses(1)
        );
        let y_missing: Vec<usize> = y.iter().map(|&c| if c == 1 { 0 } else { c }).collect();
        assert_eq!(
            p.fit(&x, &y_missing, 3).unwrap_err(),
            LogisticError::EmptyClass { class: 1 }
        );
        assert_eq!(
            p.fit(&x, &y, 4).unwrap_err(),
            LogisticError::EmptyClass { class: 3 }
        );
        assert_eq!(
            p.fit(&x, &y, usize::MAX).unwrap_err(),
            LogisticError::EmptyClass { class: 3 }
        );
        let custom = LogisticParams::new()
            .class_weight(ClassWeight::Custom(vec![1.0, 2.0]))
            .check()
            .unwrap();
        assert_eq!(
            custom.fit(&x, &y, 3).unwrap_err(),
            LogisticError::ClassWeightLength {
                expected: 3,
                got: 2
            }
        );
        // Error messages name the problem.
        assert_eq!(
            LogisticError::EmptyClass { class: 1 }.to_string(),
            "class 1 has no training samples"
        );
    }

    #[test]
    fn non_finite_loss_is_an_error_not_a_panic() {
        // A trial point whose logits overflow f64: the objective refuses it, and a solver failure
        // after such a point is classified as a non-finite loss.
        let x = CsrMatrix::from_rows(2, [&[(0u32, 3.0e38f32)][..], &[(1, 3.0e38)][..]]).unwrap();
        let y = [0, 1];
        let obj = objective(&x, &y, 2, vec![1.0; 2], 0.0);
        let huge = [1e300, -1e300, 0.0, 0.0, 0.0, 0.0];
        let (loss, _) = obj.loss_grad(&huge);
        assert!(
            !loss.is_finite(),
            "the objective at an overflowing point is not finite"
        );

        // Fitting on extreme (but finite) values never panics and never yields non-finite
        // weights.
        let x = CsrMatrix::from_rows(
            2,
            [
                &[(0u32, 3.0e38f32), (1, 3.0e38)][..],
                &[(0, -3.0e38)][..],
                &[(1, 3.0e38)][..],
            ],
        )
        .unwrap();
        let fitted = LogisticParams::new()
            .alpha(0.0)
            .class_weight(ClassWeight::Uniform)
            .check()
            .unwrap()
            .fit(&x, &[0, 1, 1], 2);
        match fitted {
            Ok(m) => m.check_shape().unwrap(),
            Err(e) => assert!(
                matches!(
                    e,
                    LogisticError::NonFiniteLoss(_) | LogisticError::Solver(_)
                ),
                "{e:?}"
            ),
        }
    }

    #[test]
    fn fit_rejects_malformed_matrix() {
        // A matrix deserialised from untrusted data can break the CSR invariants.
        let x: CsrMatrix = serde_json::from_str(
            r#"{"n_cols":2,"indptr":[0,1,2],"indices":[0,5],"data":[1.0,1.0]}"#,
        )
        .unwrap();
        let err = LogisticParams::new()
            .check()
            .unwrap()
            .fit(&x, &[0, 1], 2)
            .unwrap_err();
        assert!(matches!(err, LogisticError::InvalidData(_)), "{err:?}");
    }

    #[test]
    fn linfa_fit_trait() {
        use linfa::traits::Fit;
        let (_, x, y) = dense_problem(30, 4, 3, 2);
        let dataset = linfa::DatasetBase::new(x.clone(), Array1::from(y.clone()));
        let via_trait = LogisticParams::new().fit(&dataset).unwrap();
        let direct = LogisticParams::new()
            .check()
            .unwrap()
            .fit(&x, &y, 3)
            .unwrap();
        assert_eq!(via_trait, direct);
        let bad: Result<LogisticModel, LogisticError> =
            LogisticParams::new().alpha(-1.0).fit(&dataset);
        assert_eq!(bad.unwrap_err(), LogisticError::InvalidAlpha(-1.0));
        assert_eq!(
            LogisticError::from(linfa::Error::NotEnoughSamples),
            LogisticError::Linfa("not enough samples".into())
        );
    }

    fn handmade(weights: Vec<f32>, intercept: Vec<f32>, n_features: usize) -> LogisticModel {
        LogisticModel {
            n_features,
            n_classes: intercept.len(),
            weights: weights.into(),
            intercept,
            report: FitReport {
                converged: true,
                iterations: 0,
                final_loss: 0.0,
                final_gradient_norm: 0.0,
                evaluations: 0,
                termination: String::new(),
                class_weights: vec![],
            },
        }
    }

    #[test]
    fn probabilities_are_finite_and_normalised_for_extreme_inputs() {
        let m = handmade(
            vec![f32::MAX, -f32::MAX, 0.0, 1e30, 0.0, -1e30],
            vec![0.0, 1.0, -1.0],
            2,
        );
        m.check_shape().unwrap();
        let mut out = [0.0; 3];
        for row in [
            (&[0u32, 1][..], &[f32::MAX, f32::MAX][..]),
            (&[0, 1], &[-f32::MAX, 1e-30]),
            (&[1], &[f32::MIN_POSITIVE]),
            (&[], &[]),
            // Column 7 is beyond n_features: ignored.
            (&[0, 7], &[1.0, 1e30]),
        ] {
            let row = SparseRow {
                indices: row.0,
                data: row.1,
            };
            m.predict_proba(row, &mut out);
            assert!(out.iter().all(|p| p.is_finite() && *p >= 0.0), "{out:?}");
            assert!((out.iter().sum::<f64>() - 1.0).abs() < 1e-12, "{out:?}");
        }
        // Unknown column contributes nothing.
        let mut a = [0.0; 3];
        let mut b = [0.0; 3];
        m.decision_function(
            SparseRow {
                indices: &[1],
                data: &[2.0],
            },
            &mut a,
        );
        m.decision_function(
            SparseRow {
                indices: &[1, 2, 400],
                data: &[2.0, 5.0, 5.0],
            },
            &mut b,
        );
        assert_eq!(a, b);
        assert_eq!(m.weight(5, 0), 0.0);
        assert_eq!(m.weight(0, 9), 0.0);
        assert_eq!(m.weight(1, 2), -1e30);

        // Non-finite logits (only possible with an unchecked model) still give a distribution.
        let mut z = [f64::INFINITY, 1.0, f64::INFINITY];
        softmax_in_place(&mut z);
        assert_eq!(z, [0.5, 0.0, 0.5]);
        let mut z = [f64::NAN, f64::NEG_INFINITY];
        softmax_in_place(&mut z);
        assert_eq!(z, [0.5, 0.5]);
        let mut z = [f64::NAN, 3.0];
        softmax_in_place(&mut z);
        assert_eq!(z, [0.0, 1.0]);

        // A corrupt model (weights too short, non-finite) never panics while scoring.
        let broken = handmade(vec![f32::NAN], vec![f32::INFINITY, 0.0], 3);
        assert!(broken.check_shape().is_err());
        let mut out = [0.0; 2];
        broken.predict_proba(
            SparseRow {
                indices: &[0, 1, 2],
                data: &[1.0, 1.0, 1.0],
            },
            &mut out,
        );
        assert!(out.iter().all(|p| p.is_finite()));
    }

    #[test]
    fn check_shape_catches_corruption() {
        let ok = handmade(vec![0.5; 6], vec![0.0, 0.0], 3);
        ok.check_shape().unwrap();
        let cases = [
            handmade(vec![0.5; 5], vec![0.0, 0.0], 3),
            handmade(vec![0.5; 6], vec![0.0, 0.0, 0.0], 3),
            handmade(vec![0.5, f32::NAN, 0.5, 0.5, 0.5, 0.5], vec![0.0, 0.0], 3),
            handmade(vec![0.5; 6], vec![0.0, f32::NEG_INFINITY], 3),
            handmade(vec![], vec![0.0], 0),
        ];
        for m in cases {
            assert!(
                matches!(m.check_shape(), Err(LogisticError::InvalidModel(_))),
                "{m:?}"
            );
        }
        let mut huge = handmade(vec![], vec![0.0, 0.0], 0);
        huge.n_features = usize::MAX;
        assert!(huge.check_shape().is_err());
    }

    #[test]
    fn serde_round_trips() {
        let p = LogisticParams::new()
            .alpha(0.25)
            .max_iterations(50)
            .class_weight(ClassWeight::Custom(vec![1.0, 3.5]))
            .fit_intercept(false);
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(
            json,
            r#"{"alpha":0.25,"max_iterations":50,"gradient_tolerance":0.0001,"class_weight":{"custom":[1.0,3.5]},"fit_intercept":false}"#
        );
        assert_eq!(serde_json::from_str::<LogisticParams>(&json).unwrap(), p);
        assert_eq!(
            serde_json::from_str::<LogisticParams>("{}").unwrap(),
            LogisticParams::default()
        );
        assert_eq!(
            serde_json::from_str::<LogisticParams>(r#"{"class_weight":"uniform","alpha":2.0}"#)
                .unwrap(),
            LogisticParams::new()
                .class_weight(ClassWeight::Uniform)
                .alpha(2.0)
        );
        assert!(serde_json::from_str::<LogisticParams>(r#"{"alpah":2.0}"#).is_err());
        assert!(serde_json::from_str::<LogisticParams>(r#"{"class_weight":"weird"}"#).is_err());
        assert_eq!(
            serde_json::to_string(&ClassWeight::Balanced).unwrap(),
            r#""balanced""#
        );

        let (_, x, y) = dense_problem(40, 4, 3, 9);
        let model = LogisticParams::new()
            .check()
            .unwrap()
            .fit(&x, &y, 3)
            .unwrap();
        let json = serde_json::to_string(&model).unwrap();
        let back: LogisticModel = serde_json::from_str(&json).unwrap();
        back.check_shape().unwrap();
        // f32 weights survive JSON exactly. serde_json parses f64 exactly only with its
        // `float_roundtrip` feature, so the report's f64 fields are compared to within an ulp.
        assert_eq!(back.weights(), model.weights());
        assert_eq!(back.intercept(), model.intercept());
        assert_eq!(
            (back.n_features(), back.n_classes()),
            (model.n_features(), model.n_classes())
        );
        let close = |a: f64, b: f64| (a - b).abs() <= 4.0 * f64::EPSILON * a.abs().max(b.abs());
        let (r, rb) = (model.report(), back.report());
        assert!(close(r.final_loss, rb.final_loss));
        assert!(close(r.final_gradient_norm, rb.final_gradient_norm));
        assert!(r
            .class_weights
            .iter()
            .zip(&rb.class_weights)
            .all(|(&a, &b)| close(a, b)));
        assert_eq!(
            (r.converged, r.iterations, r.evaluations, &r.termination),
            (rb.converged, rb.iterations, rb.evaluations, &rb.termination)
        );
        assert_eq!(
            back.predict_proba_matrix(&x),
            model.predict_proba_matrix(&x)
        );
    }
}
