//! Compressed sparse row matrices: the only matrix type TF-IDF features ever live in.
//!
//! Rows are appended one at a time with [`CsrMatrix::push_row`]; within a row the column
//! indices are strictly increasing, which every consumer (dot products, the solver, the
//! explainer) relies on.
//!
//! ```
//! use redflag::features::CsrMatrix;
//!
//! let mut m = CsrMatrix::new(4);
//! m.push_row(&[(0, 1.0), (3, 2.0)]).unwrap();
//! m.push_row(&[]).unwrap();
//! assert_eq!(m.n_rows(), 2);
//! assert_eq!(m.row(0).indices, &[0, 3]);
//! assert_eq!(m.row(1).nnz(), 0);
//! ```

use serde::{Deserialize, Serialize};

/// A borrowed sparse row: parallel slices of column indices (strictly increasing) and values.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SparseRow<'a> {
    /// Column indices, strictly increasing.
    pub indices: &'a [u32],
    /// Values, one per index.
    pub data: &'a [f32],
}

impl<'a> SparseRow<'a> {
    /// Number of stored (non-zero) entries.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// Iterates over `(column, value)` pairs.
    pub fn iter(&self) -> impl Iterator<Item = (usize, f32)> + 'a {
        self.indices
            .iter()
            .zip(self.data.iter())
            .map(|(&j, &v)| (j as usize, v))
    }

    /// Dot product with a dense vector indexed by column.
    pub fn dot(&self, dense: &[f64]) -> f64 {
        self.iter().map(|(j, v)| v as f64 * dense[j]).sum()
    }
}

/// Why a row could not be appended.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CsrError {
    /// A column index is not below the matrix's column count.
    #[error("column {column} is out of range for a matrix with {n_cols} columns")]
    ColumnOutOfRange {
        /// The offending column.
        column: u32,
        /// The matrix's column count.
        n_cols: usize,
    },
    /// Column indices within a row are not strictly increasing.
    #[error("column indices in a row must be strictly increasing ({previous} then {next})")]
    Unsorted {
        /// The earlier column.
        previous: u32,
        /// The column that follows it.
        next: u32,
    },
    /// A value is NaN or infinite.
    #[error("value at column {column} is not finite")]
    NotFinite {
        /// The column of the value.
        column: u32,
    },
}

/// A sparse matrix in compressed sparse row layout with `f32` values.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CsrMatrix {
    n_cols: usize,
    indptr: Vec<usize>,
    indices: Vec<u32>,
    data: Vec<f32>,
}

impl CsrMatrix {
    /// An empty matrix (no rows) with `n_cols` columns.
    pub fn new(n_cols: usize) -> Self {
        CsrMatrix {
            n_cols,
            indptr: vec![0],
            indices: Vec::new(),
            data: Vec::new(),
        }
    }

    /// Appends a row given as `(column, value)` pairs with strictly increasing columns.
    pub fn push_row(&mut self, entries: &[(u32, f32)]) -> Result<(), CsrError> {
        let mut previous: Option<u32> = None;
        for &(column, value) in entries {
            if column as usize >= self.n_cols {
                return Err(CsrError::ColumnOutOfRange {
                    column,
                    n_cols: self.n_cols,
                });
            }
            if let Some(p) = previous {
                if column <= p {
                    return Err(CsrError::Unsorted {
                        previous: p,
                        next: column,
                    });
                }
            }
            if !value.is_finite() {
                return Err(CsrError::NotFinite { column });
            }
            previous = Some(column);
        }
        self.indices.extend(entries.iter().map(|e| e.0));
        self.data.extend(entries.iter().map(|e| e.1));
        self.indptr.push(self.indices.len());
        Ok(())
    }

    /// Appends a row produced by redflag itself (columns sorted, in range, finite; checked
    /// in debug builds only).
    pub fn push_sparse(&mut self, row: SparseRow<'_>) {
        debug_assert!(row.indices.windows(2).all(|w| w[0] < w[1]));
        debug_assert!(row.indices.iter().all(|&j| (j as usize) < self.n_cols));
        self.indices.extend_from_slice(row.indices);
        self.data.extend_from_slice(row.data);
        self.indptr.push(self.indices.len());
    }

    /// Builds a matrix from rows; see [`CsrMatrix::push_row`] for the row rules.
    pub fn from_rows<'r>(
        n_cols: usize,
        rows: impl IntoIterator<Item = &'r [(u32, f32)]>,
    ) -> Result<Self, CsrError> {
        let mut m = CsrMatrix::new(n_cols);
        for row in rows {
            m.push_row(row)?;
        }
        Ok(m)
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.indptr.len() - 1
    }

    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }

    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// Row `i`. Panics if `i >= n_rows()` (an internal invariant, never user input).
    pub fn row(&self, i: usize) -> SparseRow<'_> {
        let (a, b) = (self.indptr[i], self.indptr[i + 1]);
        SparseRow {
            indices: &self.indices[a..b],
            data: &self.data[a..b],
        }
    }

    /// Iterates over all rows in order.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = SparseRow<'_>> + '_ {
        (0..self.n_rows()).map(move |i| self.row(i))
    }

    /// Appends all rows of `other` (which must have the same column count).
    pub fn append(&mut self, other: &CsrMatrix) {
        debug_assert_eq!(self.n_cols, other.n_cols);
        let base = self.indices.len();
        self.indices.extend_from_slice(&other.indices);
        self.data.extend_from_slice(&other.data);
        self.indptr
            .extend(other.indptr[1..].iter().map(|&p| p + base));
    }

    /// A new matrix holding the given rows, in the given order.
    pub fn select_rows(&self, rows: &[usize]) -> CsrMatrix {
        let mut m = CsrMatrix::new(self.n_cols);
        for &i in rows {
            let r = self.row(i);
            m.indices.extend_from_slice(r.indices);
            m.data.extend_from_slice(r.data);
            m.indptr.push(m.indices.len());
        }
        m
    }
}

/// Lets a `CsrMatrix` be the records of a `linfa::DatasetBase` (used by the logistic
/// trainer's `linfa::traits::Fit` implementation).
impl linfa::dataset::Records for CsrMatrix {
    type Elem = f32;

    fn nsamples(&self) -> usize {
        self.n_rows()
    }

    fn nfeatures(&self) -> usize {
        self.n_cols()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_row_rejects_unsorted_out_of_range_and_nan() {
        let mut m = CsrMatrix::new(3);
        assert!(matches!(
            m.push_row(&[(2, 1.0), (1, 1.0)]),
            Err(CsrError::Unsorted { .. })
        ));
        assert!(matches!(
            m.push_row(&[(3, 1.0)]),
            Err(CsrError::ColumnOutOfRange { .. })
        ));
        assert!(matches!(
            m.push_row(&[(0, f32::NAN)]),
            Err(CsrError::NotFinite { .. })
        ));
        assert_eq!(m.n_rows(), 0, "failed pushes leave the matrix unchanged");
    }

    #[test]
    fn select_rows_and_dot() {
        let m =
            CsrMatrix::from_rows(3, [&[(0u32, 1.0f32), (2, 2.0)][..], &[(1, 3.0)][..]]).unwrap();
        let s = m.select_rows(&[1, 0, 1]);
        assert_eq!(s.n_rows(), 3);
        assert_eq!(s.row(0).indices, &[1]);
        assert_eq!(s.row(1).dot(&[1.0, 10.0, 100.0]), 201.0);
        assert_eq!(s.nnz(), 4);
    }
}
