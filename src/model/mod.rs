//! The model stage: a sparse multinomial [`logistic`] regression, its [`Calibration`], the
//! [`ReviewPolicy`] that
//! turns probabilities into a review decision, and [`Reason`]s that explain a score with
//! the features that pushed it and where they occur in the text.

mod calibration;
mod lbfgs;
pub mod logistic;
mod review;

pub use calibration::{softmax_scaled, Calibration};
pub use review::{Reason, ReasonKind, ReviewPolicy, ReviewThreshold};
