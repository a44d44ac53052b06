//! TF-IDF weighting: sublinear term frequency, smoothed inverse document frequency and row
//! normalisation, as scikit-learn's `TfidfTransformer(sublinear_tf=True, smooth_idf=True)`.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::{FeatureError, Vocabulary};

/// Row normalisation after weighting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Norm {
    /// Divide by the Euclidean norm, so every non-empty row has length 1.
    #[default]
    L2,
    /// Leave rows as they are.
    None,
}

/// How term counts become weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TfIdfParams {
    /// Use `1 + ln(count)` instead of the raw count.
    pub sublinear_tf: bool,
    /// `idf = ln((1 + n) / (1 + df)) + 1` (smoothed) instead of `ln(n / df) + 1`.
    pub smooth_idf: bool,
    /// Row normalisation.
    pub norm: Norm,
}

impl Default for TfIdfParams {
    fn default() -> Self {
        TfIdfParams {
            sublinear_tf: true,
            smooth_idf: true,
            norm: Norm::L2,
        }
    }
}

/// Fitted TF-IDF weights, one idf per vocabulary column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TfIdf {
    params: TfIdfParams,
    idf: Cow<'static, [f32]>,
}

impl TfIdf {
    /// Computes idf from the vocabulary's document frequencies over `n_documents` documents.
    pub fn fit(vocabulary: &Vocabulary, n_documents: u64, params: TfIdfParams) -> Self {
        let df: Vec<u64> = (0..vocabulary.len())
            .map(|j| vocabulary.doc_frequency(j).unwrap_or(0))
            .collect();
        Self::from_document_frequencies(&df, n_documents, params)
    }

    /// Computes idf from per-column document frequencies over `n_documents` documents.
    pub fn from_document_frequencies(dfs: &[u64], n_documents: u64, params: TfIdfParams) -> Self {
        let n = n_documents as f64;
        let idf: Vec<f32> = dfs
            .iter()
            .map(|&df| {
                let df = df as f64;
                let v = if params.smooth_idf {
                    ((1.0 + n) / (1.0 + df)).ln() + 1.0
                } else {
                    (n / df.max(1.0)).ln() + 1.0
                };
                v as f32
            })
            .collect();
        TfIdf {
            params,
            idf: idf.into(),
        }
    }

    /// Rebuilds from stored parts (owned, or borrowed from a model file read in place),
    /// checking they are usable.
    pub fn from_parts(
        params: TfIdfParams,
        idf: impl Into<Cow<'static, [f32]>>,
    ) -> Result<Self, FeatureError> {
        let idf = idf.into();
        if !super::all_finite(&idf) {
            let j = idf.iter().position(|v| !v.is_finite()).unwrap_or(0);
            return Err(FeatureError::Inconsistent(format!(
                "idf of column {j} is not finite"
            )));
        }
        Ok(TfIdf { params, idf })
    }

    /// The parameters.
    pub fn params(&self) -> &TfIdfParams {
        &self.params
    }

    /// Inverse document frequency per column.
    pub fn idf(&self) -> &[f32] {
        &self.idf
    }

    /// Turns counts (`values[i]` for column `indices[i]`) into weights in place and
    /// normalises the row.
    pub fn weigh(&self, indices: &[u32], values: &mut [f32]) {
        let mut sq = 0.0f64;
        for (j, v) in indices.iter().zip(values.iter_mut()) {
            let tf = if self.params.sublinear_tf {
                1.0 + v.ln()
            } else {
                *v
            };
            *v = tf * self.idf[*j as usize];
            sq += (*v as f64) * (*v as f64);
        }
        if self.params.norm == Norm::L2 && sq > 0.0 {
            let inv = (1.0 / sq.sqrt()) as f32;
            for v in values.iter_mut() {
                *v *= inv;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idf_and_weights_match_scikit_learn_formulas() {
        // 4 documents; "a" in 4 of them, "b" in 1.
        let v = Vocabulary::from_terms(vec!["a".into(), "b".into()], vec![4, 1]).unwrap();
        let t = TfIdf::fit(&v, 4, TfIdfParams::default());
        let idf_a = (5.0f64 / 5.0).ln() + 1.0;
        let idf_b = (5.0f64 / 2.0).ln() + 1.0;
        assert!((t.idf()[0] as f64 - idf_a).abs() < 1e-6);
        assert!((t.idf()[1] as f64 - idf_b).abs() < 1e-6);
        let mut row = vec![3.0f32, 1.0];
        t.weigh(&[0, 1], &mut row);
        let wa = (1.0 + 3f64.ln()) * idf_a;
        let wb = idf_b;
        let n = (wa * wa + wb * wb).sqrt();
        assert!((row[0] as f64 - wa / n).abs() < 1e-6);
        assert!((row[1] as f64 - wb / n).abs() < 1e-6);
    }

    #[test]
    fn unsmoothed_raw_tf_without_norm() {
        let v = Vocabulary::from_terms(vec!["a".into()], vec![2]).unwrap();
        let p = TfIdfParams {
            sublinear_tf: false,
            smooth_idf: false,
            norm: Norm::None,
        };
        let t = TfIdf::fit(&v, 4, p);
        let mut row = vec![2.0f32];
        t.weigh(&[0], &mut row);
        assert!((row[0] as f64 - 2.0 * (2f64.ln() + 1.0)).abs() < 1e-6);
    }

    #[test]
    fn from_parts_rejects_non_finite_and_round_trips() {
        assert!(TfIdf::from_parts(TfIdfParams::default(), vec![f32::NAN]).is_err());
        let t = TfIdf::from_parts(TfIdfParams::default(), vec![1.0, 2.5]).unwrap();
        let back: TfIdf = postcard::from_bytes(&postcard::to_stdvec(&t).unwrap()).unwrap();
        assert_eq!(back, t);
        let p: TfIdfParams = serde_json::from_str(r#"{"norm":"none"}"#).unwrap();
        assert_eq!(p.norm, Norm::None);
        assert!(p.sublinear_tf);
    }
}
