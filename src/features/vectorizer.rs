//! Text → sparse TF-IDF rows, through an analyser and a fitted vocabulary.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::vocabulary::{term_hash, DocFrequencies};
use super::{
    CsrMatrix, DocFrequency, FeatureError, SparseRow, TfIdf, TfIdfParams, Vocabulary,
    VocabularyParams,
};
use crate::text::{self, Analyzer, Span, TermKind};

/// Documents per parallel work unit. Fixed (not derived from the thread count) so results
/// never depend on how many threads ran.
const BLOCK: usize = 1024;

/// Vocabulary pruning and TF-IDF weighting, as one serialisable configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FeatureParams {
    /// Drop terms in fewer documents than this (count, or fraction if a float).
    pub min_df: DocFrequency,
    /// Drop terms in more documents than this (count, or fraction if a float).
    pub max_df: DocFrequency,
    /// Keep at most this many terms, the most frequent first.
    pub max_features: Option<usize>,
    /// Use `1 + ln(count)` for term frequency.
    pub sublinear_tf: bool,
    /// Smoothed idf.
    pub smooth_idf: bool,
    /// Row normalisation.
    pub norm: super::Norm,
}

impl Default for FeatureParams {
    fn default() -> Self {
        let v = VocabularyParams::default();
        let t = TfIdfParams::default();
        FeatureParams {
            min_df: v.min_df,
            max_df: v.max_df,
            max_features: v.max_features,
            sublinear_tf: t.sublinear_tf,
            smooth_idf: t.smooth_idf,
            norm: t.norm,
        }
    }
}

impl FeatureParams {
    /// The vocabulary part.
    pub fn vocabulary(&self) -> VocabularyParams {
        VocabularyParams {
            min_df: self.min_df,
            max_df: self.max_df,
            max_features: self.max_features,
        }
    }

    /// The TF-IDF part.
    pub fn tfidf(&self) -> TfIdfParams {
        TfIdfParams {
            sublinear_tf: self.sublinear_tf,
            smooth_idf: self.smooth_idf,
            norm: self.norm,
        }
    }

    /// Validates the parameters.
    pub fn check(&self) -> Result<(), FeatureError> {
        self.vocabulary().check()
    }
}

/// Reusable buffers for [`Vectorizer::transform_into`]; one per thread.
#[derive(Default, Debug)]
pub struct VectorizerScratch {
    analyzer: text::Scratch,
    /// Columns of the words seen so far, for the vectoriser it was last used with.
    memo: text::WordColumns,
    ids: Vec<u32>,
    indices: Vec<u32>,
    values: Vec<f32>,
    /// With spans requested: every occurrence of a vocabulary term in the last document.
    pub occurrences: Vec<Occurrence>,
}

/// One occurrence of a vocabulary term in a document: its column, where it is, and what
/// kind of term it is (so that explaining a score never has to look the term up).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Occurrence {
    /// The term's feature column.
    pub column: u32,
    /// Its byte span in the original text.
    pub span: Span,
    /// What kind of term it is.
    pub kind: TermKind,
}

impl VectorizerScratch {
    /// The language identified for the last document, when the analyser identifies
    /// languages (see [`text::Scratch::language`]).
    pub fn language(&self) -> Option<&'static str> {
        self.analyzer.language()
    }

    /// Words and non-money signal tokens of the last document (see
    /// [`text::Scratch::evidence`]).
    pub fn evidence(&self) -> (usize, usize) {
        self.analyzer.evidence()
    }

    /// The words of the last document: analysed term and span (see
    /// [`text::Scratch::words`]).
    pub fn words(&self) -> impl Iterator<Item = (&str, Span)> + '_ {
        self.analyzer.words()
    }

    /// The last row produced, columns strictly increasing.
    pub fn row(&self) -> SparseRow<'_> {
        SparseRow {
            indices: &self.indices,
            data: &self.values,
        }
    }
}

/// Analyser + vocabulary + TF-IDF: turns text into sparse rows.
#[derive(Clone, Debug)]
pub struct Vectorizer {
    analyzer: Analyzer,
    vocabulary: Vocabulary,
    tfidf: TfIdf,
    /// Identifies this vectoriser's vocabulary to the word memos of [`VectorizerScratch`].
    memo_id: u64,
}

/// A number no other vectoriser of this process has (see [`text::WordColumns::bind`]).
fn next_memo_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

impl PartialEq for Vectorizer {
    fn eq(&self, other: &Self) -> bool {
        self.analyzer.config() == other.analyzer.config()
            && self.vocabulary == other.vocabulary
            && self.tfidf == other.tfidf
    }
}

impl Vectorizer {
    /// Fits vocabulary and idf on `documents` (in parallel; the result does not depend on
    /// the number of threads).
    pub fn fit<S: AsRef<str> + Sync>(
        analyzer: Analyzer,
        params: &FeatureParams,
        documents: &[S],
    ) -> Result<Self, FeatureError> {
        Ok(Self::fit_transform(analyzer, params, documents)?.0)
    }

    /// Fits vocabulary and idf on `documents` and returns their TF-IDF matrix too, with two
    /// analysis passes in all: the first counts document frequencies by [`term_hash`] (no
    /// term text is kept, so memory stays small however many distinct n-grams there are),
    /// the second vectorises every document and collects the text of the kept terms.
    /// Deterministic whatever the number of threads.
    pub fn fit_transform<S: AsRef<str> + Sync>(
        analyzer: Analyzer,
        params: &FeatureParams,
        documents: &[S],
    ) -> Result<(Self, CsrMatrix), FeatureError> {
        Self::fit_transform_with_progress(analyzer, params, documents, &crate::progress::Silent)
    }

    /// [`Self::fit_transform`], reporting to `progress`: stage "counting terms" then stage
    /// "vectorising", each one step per document.
    pub fn fit_transform_with_progress<S: AsRef<str> + Sync>(
        analyzer: Analyzer,
        params: &FeatureParams,
        documents: &[S],
        progress: &dyn crate::progress::Progress,
    ) -> Result<(Self, CsrMatrix), FeatureError> {
        params.check()?;
        progress.stage("counting terms", Some(documents.len() as u64));
        let counts = documents
            .par_chunks(BLOCK)
            .map(|block| {
                let mut scratch = text::Scratch::default();
                let mut counts = DocFrequencies::default();
                for (d, doc) in block.iter().enumerate() {
                    analyzer.for_each_term(doc.as_ref(), &mut scratch, |term, _, _| {
                        counts.add(term, d as u64)
                    });
                    counts.finish_document();
                }
                progress.advance(block.len() as u64);
                counts
            })
            .reduce(DocFrequencies::default, |mut a, b| {
                a.merge(b);
                a
            });
        let n_docs = counts.documents();
        let selection = counts.select(&params.vocabulary())?;
        let tfidf = TfIdf::from_document_frequencies(selection.dfs(), n_docs, params.tfidf());
        let n_cols = selection.len();
        let memo_id = next_memo_id();
        progress.stage("vectorising", Some(documents.len() as u64));
        let blocks: Vec<(CsrMatrix, Vec<(u32, String)>)> = documents
            .par_chunks(BLOCK)
            .map(|block| {
                let mut scratch = VectorizerScratch::default();
                let mut m = CsrMatrix::new(n_cols);
                let mut named: Vec<(u32, String)> = Vec::new();
                let mut seen = rustc_hash::FxHashSet::default();
                for doc in block {
                    // A word memo hit means the word was seen, and named, in this block.
                    vectorize(
                        &analyzer,
                        &tfidf,
                        memo_id,
                        doc.as_ref(),
                        &mut scratch,
                        false,
                        |term| {
                            let c = selection.column(term_hash(term))?;
                            if seen.insert(c) {
                                named.push((c, term.to_string()));
                            }
                            Some(c)
                        },
                    );
                    m.push_sparse(scratch.row());
                }
                progress.advance(block.len() as u64);
                (m, named)
            })
            .collect();
        let mut x = CsrMatrix::new(n_cols);
        let mut terms: Vec<Option<String>> = vec![None; n_cols];
        for (m, named) in blocks {
            x.append(&m);
            for (c, t) in named {
                terms[c as usize].get_or_insert(t);
            }
        }
        let terms = terms
            .into_iter()
            .enumerate()
            .map(|(c, t)| {
                t.ok_or_else(|| FeatureError::Inconsistent(format!("column {c} was never seen")))
            })
            .collect::<Result<Vec<String>, _>>()?;
        let vocabulary = selection.into_vocabulary(terms)?;
        Ok((
            Vectorizer {
                analyzer,
                vocabulary,
                tfidf,
                memo_id,
            },
            x,
        ))
    }

    /// Rebuilds from stored parts, checking that they agree.
    pub fn from_parts(
        analyzer: Analyzer,
        vocabulary: Vocabulary,
        tfidf: TfIdf,
    ) -> Result<Self, FeatureError> {
        let v = Vectorizer {
            analyzer,
            vocabulary,
            tfidf,
            memo_id: next_memo_id(),
        };
        v.check()?;
        Ok(v)
    }

    /// Checks internal consistency (used after loading an untrusted model file).
    pub fn check(&self) -> Result<(), FeatureError> {
        if self.tfidf.idf().len() != self.vocabulary.len() {
            return Err(FeatureError::Inconsistent(format!(
                "{} idf values for {} terms",
                self.tfidf.idf().len(),
                self.vocabulary.len()
            )));
        }
        if let Some(j) = self.tfidf.idf().iter().position(|v| !v.is_finite()) {
            return Err(FeatureError::Inconsistent(format!(
                "idf of column {j} is not finite"
            )));
        }
        Ok(())
    }

    /// The analyser.
    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// The vocabulary.
    pub fn vocabulary(&self) -> &Vocabulary {
        &self.vocabulary
    }

    /// The TF-IDF weights.
    pub fn tfidf(&self) -> &TfIdf {
        &self.tfidf
    }

    /// Number of feature columns.
    pub fn n_features(&self) -> usize {
        self.vocabulary.len()
    }

    /// Vectorises one document into `scratch.row`; with `spans`, also records every
    /// in-vocabulary occurrence in `scratch.occurrences`.
    pub fn transform_into(&self, text: &str, scratch: &mut VectorizerScratch, spans: bool) {
        vectorize(
            &self.analyzer,
            &self.tfidf,
            self.memo_id,
            text,
            scratch,
            spans,
            |term| self.vocabulary.get(term),
        );
    }

    /// Vectorises many documents in parallel into a CSR matrix, rows in input order.
    pub fn transform_many<S: AsRef<str> + Sync>(&self, documents: &[S]) -> CsrMatrix {
        let blocks: Vec<CsrMatrix> = documents
            .par_chunks(BLOCK)
            .map(|block| {
                let mut scratch = VectorizerScratch::default();
                let mut m = CsrMatrix::new(self.n_features());
                for doc in block {
                    self.transform_into(doc.as_ref(), &mut scratch, false);
                    m.push_sparse(scratch.row());
                }
                m
            })
            .collect();
        let mut out = CsrMatrix::new(self.n_features());
        for b in &blocks {
            out.append(b);
        }
        out
    }
}

/// Analyses `text`, maps terms to columns with `column`, counts and weighs them into
/// `scratch`'s row (and, with `spans`, records every occurrence).
fn vectorize(
    analyzer: &Analyzer,
    tfidf: &TfIdf,
    memo_id: u64,
    text: &str,
    scratch: &mut VectorizerScratch,
    spans: bool,
    column: impl FnMut(&str) -> Option<u32>,
) {
    scratch.ids.clear();
    scratch.indices.clear();
    scratch.values.clear();
    scratch.occurrences.clear();
    let VectorizerScratch {
        analyzer: a,
        memo,
        ids,
        occurrences,
        ..
    } = scratch;
    memo.bind(memo_id);
    analyzer.for_each_column(text, a, memo, column, |j, span, kind| {
        ids.push(j);
        if spans {
            occurrences.push(Occurrence {
                column: j,
                span,
                kind,
            });
        }
    });
    ids.sort_unstable();
    let mut i = 0;
    while i < ids.len() {
        let j = ids[i];
        let mut k = i + 1;
        while k < ids.len() && ids[k] == j {
            k += 1;
        }
        scratch.indices.push(j);
        scratch.values.push((k - i) as f32);
        i = k;
    }
    tfidf.weigh(&scratch.indices, &mut scratch.values);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::AnalyzerConfig;

    fn fitted(docs: &[&str]) -> Vectorizer {
        let params = FeatureParams {
            min_df: 1.into(),
            ..FeatureParams::default()
        };
        Vectorizer::fit(
            Analyzer::new(AnalyzerConfig::default()).unwrap(),
            &params,
            docs,
        )
        .unwrap()
    }

    #[test]
    fn rows_are_sorted_normalised_and_spans_point_at_terms() {
        let docs = [
            "Donate to the brothers",
            "the brothers donate",
            "football today",
        ];
        let v = fitted(&docs);
        let mut s = VectorizerScratch::default();
        v.transform_into("DONATE donate, brothers!", &mut s, true);
        assert!(s.row().indices.windows(2).all(|w| w[0] < w[1]));
        let norm: f32 = s.row().data.iter().map(|x| x * x).sum();
        assert!((norm - 1.0).abs() < 1e-5);
        let text = "DONATE donate, brothers!";
        let donate = v
            .vocabulary()
            .get("donat")
            .expect("stemmed unigram in vocabulary");
        let spans: Vec<&str> = s
            .occurrences
            .iter()
            .filter(|o| o.column == donate)
            .map(|o| &text[o.span.start..o.span.end])
            .collect();
        assert_eq!(spans, vec!["DONATE", "donate"]);
    }

    #[test]
    fn unknown_text_gives_an_empty_row() {
        let v = fitted(&["alpha beta", "beta gamma"]);
        let mut s = VectorizerScratch::default();
        v.transform_into("zzz qqq", &mut s, false);
        assert_eq!(s.row().nnz(), 0);
        v.transform_into("", &mut s, false);
        assert_eq!(s.row().nnz(), 0);
    }

    #[test]
    fn transform_many_matches_one_by_one_and_fit_ignores_thread_count() {
        let docs: Vec<String> = (0..3000)
            .map(|i| format!("doc {} word{} shared send {}", i % 7, i % 13, i % 3))
            .collect();
        let fit_with = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| fitted(&docs.iter().map(String::as_str).collect::<Vec<_>>()))
        };
        let v1 = fit_with(1);
        let v2 = fit_with(2);
        assert_eq!(v1, v2);
        let x = v1.transform_many(&docs);
        let (v3, x3) = Vectorizer::fit_transform(
            Analyzer::new(AnalyzerConfig::default()).unwrap(),
            &FeatureParams {
                min_df: 1.into(),
                ..FeatureParams::default()
            },
            &docs,
        )
        .unwrap();
        assert_eq!(v3, v1);
        assert_eq!(x3, x, "fit_transform's matrix equals transform_many's");
        assert_eq!(x.n_rows(), docs.len());
        let mut s = VectorizerScratch::default();
        for i in [0, 1023, 1024, 2999] {
            v1.transform_into(&docs[i], &mut s, false);
            assert_eq!(x.row(i), s.row());
        }
    }
}
