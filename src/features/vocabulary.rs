//! The term vocabulary: which analyser terms become feature columns.

use std::borrow::Cow;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::FeatureError;

/// A document-frequency bound: an absolute count of documents or a fraction of them
/// (scikit-learn's `min_df` / `max_df` convention: an integer is a count, a float a fraction).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DocFrequency {
    /// At least / at most this many documents.
    Count(u64),
    /// At least / at most this fraction of documents, in `[0, 1]`.
    Fraction(f64),
}

impl From<u64> for DocFrequency {
    fn from(n: u64) -> Self {
        DocFrequency::Count(n)
    }
}

impl From<f64> for DocFrequency {
    fn from(f: f64) -> Self {
        DocFrequency::Fraction(f)
    }
}

impl DocFrequency {
    fn check(&self, name: &str) -> Result<(), FeatureError> {
        match *self {
            DocFrequency::Fraction(f) if !(0.0..=1.0).contains(&f) || f.is_nan() => Err(
                FeatureError::InvalidParam(format!("{name} = {f}: a fraction must lie in [0, 1]")),
            ),
            _ => Ok(()),
        }
    }

    /// The bound as a document count for a corpus of `n_docs` documents.
    /// `round_up` decides how a fractional bound rounds.
    fn to_count(self, n_docs: usize, round_up: bool) -> u64 {
        match self {
            DocFrequency::Count(c) => c,
            DocFrequency::Fraction(f) => {
                let c = f * n_docs as f64;
                if round_up {
                    c.ceil() as u64
                } else {
                    c.floor() as u64
                }
            }
        }
    }
}

/// Pruning rules for [`Vocabulary::fit`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VocabularyParams {
    /// Drop terms in fewer documents than this.
    pub min_df: DocFrequency,
    /// Drop terms in more documents than this.
    pub max_df: DocFrequency,
    /// Keep at most this many terms, the most frequent by document frequency
    /// (ties broken by the term's bytes, so the result is deterministic).
    pub max_features: Option<usize>,
}

impl Default for VocabularyParams {
    fn default() -> Self {
        VocabularyParams {
            min_df: DocFrequency::Count(2),
            max_df: DocFrequency::Fraction(1.0),
            max_features: None,
        }
    }
}

impl VocabularyParams {
    /// Validates the parameters.
    pub fn check(&self) -> Result<(), FeatureError> {
        self.min_df.check("min_df")?;
        self.max_df.check("max_df")?;
        if self.max_features == Some(0) {
            return Err(FeatureError::InvalidParam(
                "max_features = 0 would keep no term".into(),
            ));
        }
        if self.max_features.is_some_and(|m| m > u32::MAX as usize) {
            return Err(FeatureError::InvalidParam(
                "max_features must fit in 32 bits".into(),
            ));
        }
        Ok(())
    }
}

/// The 64-bit hash a term is looked up by (XXH3, a fixed, documented function).
///
/// Columns are found by hash, not by comparing strings: the vocabulary refuses two terms
/// with the same hash when it is built or loaded, and the chance that a term *outside* the
/// vocabulary shares a vocabulary term's hash is about `V / 2^64` (below 10^-13 per term
/// for a 250k-term vocabulary).
#[inline]
pub fn term_hash(term: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(term.as_bytes())
}

/// Document frequencies counted over a corpus by term hash, before pruning.
#[derive(Debug, Default)]
pub struct DocFrequencies {
    /// hash → (document frequency, last document that counted it, modulo 2^32)
    counts: FxHashMap<u64, (u32, u32)>,
    documents: u64,
}

impl DocFrequencies {
    /// Counts `term` once for document number `doc` (documents must be visited in order).
    pub fn add(&mut self, term: &str, doc: u64) {
        self.add_hash(term_hash(term), doc)
    }

    /// Counts a term by its [`term_hash`].
    pub fn add_hash(&mut self, hash: u64, doc: u64) {
        let doc = doc as u32;
        let entry = self.counts.entry(hash).or_insert((0, u32::MAX));
        if entry.1 != doc {
            entry.0 = entry.0.saturating_add(1);
            entry.1 = doc;
        }
    }

    /// Marks that one more document was visited.
    pub fn finish_document(&mut self) {
        self.documents += 1;
    }

    /// Adds the counts of another (disjoint set of documents).
    pub fn merge(&mut self, other: DocFrequencies) {
        self.documents += other.documents;
        let (mut big, small) = if self.counts.len() >= other.counts.len() {
            (std::mem::take(&mut self.counts), other.counts)
        } else {
            (other.counts, std::mem::take(&mut self.counts))
        };
        for (h, (df, _)) in small {
            let e = big.entry(h).or_insert((0, u32::MAX));
            e.0 = e.0.saturating_add(df);
        }
        self.counts = big;
    }

    /// Number of documents counted.
    pub fn documents(&self) -> u64 {
        self.documents
    }

    /// Number of distinct terms.
    pub fn len(&self) -> usize {
        self.counts.len()
    }

    /// True when no term was counted.
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// Prunes by the parameters: the kept term hashes, sorted, with their document
    /// frequencies. Deterministic: ties in `max_features` go to the smaller hash.
    pub fn select(self, params: &VocabularyParams) -> Result<Selection, FeatureError> {
        params.check()?;
        let n = self.documents as usize;
        let candidates = self.counts.len();
        let min = params.min_df.to_count(n, true);
        let max = params.max_df.to_count(n, false);
        let mut kept: Vec<(u64, u64)> = self
            .counts
            .into_iter()
            .map(|(h, (df, _))| (h, u64::from(df)))
            .filter(|(_, df)| *df >= min && *df <= max)
            .collect();
        if let Some(m) = params.max_features {
            if kept.len() > m {
                kept.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                kept.truncate(m);
            }
        }
        if kept.is_empty() {
            return Err(FeatureError::EmptyVocabulary {
                documents: n,
                candidates,
            });
        }
        kept.sort_unstable();
        let index = kept
            .iter()
            .enumerate()
            .map(|(i, (h, _))| (*h, i as u32))
            .collect();
        Ok(Selection {
            hashes: kept.iter().map(|k| k.0).collect(),
            df: kept.iter().map(|k| k.1).collect(),
            index,
            documents: self.documents,
        })
    }
}

/// The terms kept by pruning, known by hash until their text is collected.
#[derive(Debug)]
pub struct Selection {
    hashes: Vec<u64>,
    df: Vec<u64>,
    index: FxHashMap<u64, u32>,
    documents: u64,
}

impl Selection {
    /// The column of a term hash, if kept.
    #[inline]
    pub fn column(&self, hash: u64) -> Option<u32> {
        self.index.get(&hash).copied()
    }

    /// Number of kept terms.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    /// True when nothing was kept (never, after a successful [`DocFrequencies::select`]).
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// Documents the frequencies were counted over.
    pub fn documents(&self) -> u64 {
        self.documents
    }

    /// Document frequency per column.
    pub fn dfs(&self) -> &[u64] {
        &self.df
    }

    /// The vocabulary, given each column's text (`terms[i]` for column `i`).
    pub fn into_vocabulary(self, terms: Vec<String>) -> Result<Vocabulary, FeatureError> {
        if terms.len() != self.hashes.len() {
            return Err(FeatureError::Inconsistent(format!(
                "{} terms for {} columns",
                terms.len(),
                self.hashes.len()
            )));
        }
        Vocabulary::from_terms(terms, self.df)
    }
}

/// The most terms a vocabulary may hold (checked while a model file is read, and when a
/// vocabulary is fitted): 16.7 million, 15 times the default model's. It bounds what a
/// model file can make a reader allocate for its vocabulary (a few tens of bytes per term,
/// however short the terms are stored) to a few hundred megabytes.
pub const MAX_TERMS: usize = 1 << 24;

/// The longest term a vocabulary may hold, in bytes (checked when a model file is loaded;
/// analysis never produces longer terms, since words over
/// [`AnalyzerConfig::max_token_bytes`](crate::text::AnalyzerConfig) are dropped).
pub const MAX_TERM_BYTES: usize = 64 << 10;

/// Terms in one string, one after another, with where each ends: a million terms cost one
/// allocation, not a million. Serialised exactly like a `Vec<String>` (a sequence of
/// strings), and deserialised without an allocation per term. The text and the ends may
/// be borrowed from a model file in place (the embedded model: see
/// [`TermList::from_parts`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TermList {
    text: Cow<'static, str>,
    ends: Cow<'static, [u32]>,
}

impl TermList {
    /// Appends a term. Fails once the terms together exceed 4 GiB.
    pub fn push(&mut self, term: &str) -> Result<(), FeatureError> {
        self.text.to_mut().push_str(term);
        let end = u32::try_from(self.text.len()).map_err(|_| {
            FeatureError::Inconsistent("the terms together exceed 4 GiB".to_string())
        })?;
        self.ends.to_mut().push(end);
        Ok(())
    }

    /// A list from its parts as [`TermList::text`] and [`TermList::ends`] give them. With
    /// `verify`, checked: ends that never decrease, fall on character boundaries and stop
    /// at the text's end, terms of at most [`MAX_TERM_BYTES`] bytes (a pass over the
    /// ends). Without it (the embedded model, verified when it was built in) a wrong end
    /// makes its term unreadable ([`TermList::get`] gives `None`), never a panic. At most
    /// [`MAX_TERMS`] terms either way.
    pub fn from_parts(
        text: Cow<'static, str>,
        ends: Cow<'static, [u32]>,
        verify: bool,
    ) -> Result<Self, FeatureError> {
        let bad = |why: String| Err(FeatureError::Inconsistent(why));
        if ends.len() > MAX_TERMS {
            return bad(format!(
                "{} terms, more than the limit of {MAX_TERMS}",
                ends.len()
            ));
        }
        if !verify {
            return Ok(TermList { text, ends });
        }
        let mut start = 0usize;
        for (i, &end) in ends.iter().enumerate() {
            let end = end as usize;
            if end < start || end > text.len() || !text.is_char_boundary(end) {
                return bad(format!("term {i} does not end inside the text"));
            }
            if end - start > MAX_TERM_BYTES {
                return bad(format!(
                    "term {i} is {} bytes long, more than the limit of {MAX_TERM_BYTES}",
                    end - start
                ));
            }
            start = end;
        }
        if start != text.len() {
            return bad(format!(
                "{} bytes of term text after the last term",
                text.len() - start
            ));
        }
        Ok(TermList { text, ends })
    }

    /// All terms' text, one after another.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Where each term's text ends in [`TermList::text`].
    pub fn ends(&self) -> &[u32] {
        &self.ends
    }

    /// Term `i`.
    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)? as usize;
        let start = match i {
            0 => 0,
            _ => *self.ends.get(i - 1)? as usize,
        };
        self.text.get(start..end)
    }

    /// Number of terms.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when there are no terms.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The terms in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.get(i).unwrap_or(""))
    }
}

impl<S: AsRef<str>> FromIterator<S> for TermList {
    /// Collects terms (panics only past 4 GiB of text, which no vocabulary reaches:
    /// [`MAX_TERMS`] × [`MAX_TERM_BYTES`] is checked before).
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        let mut list = TermList::default();
        for t in iter {
            list.push(t.as_ref()).expect("terms under 4 GiB");
        }
        list
    }
}

impl Serialize for TermList {
    fn serialize<Se: serde::Serializer>(&self, serializer: Se) -> Result<Se::Ok, Se::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for TermList {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::{DeserializeSeed, Error, SeqAccess, Visitor};
        /// Appends one string of the sequence to the list's bytes. Binary formats (postcard)
        /// store a string and a byte string alike, so they hand over bytes, validated as
        /// UTF-8 once for the whole list rather than once per term.
        struct Append<'a> {
            bytes: &'a mut Vec<u8>,
            human_readable: bool,
        }
        impl<'de> DeserializeSeed<'de> for Append<'_> {
            type Value = ();
            fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
                if self.human_readable {
                    d.deserialize_str(self)
                } else {
                    d.deserialize_bytes(self)
                }
            }
        }
        impl Visitor<'_> for Append<'_> {
            type Value = ();
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a term")
            }
            fn visit_str<E: Error>(self, v: &str) -> Result<(), E> {
                self.bytes.extend_from_slice(v.as_bytes());
                Ok(())
            }
            fn visit_bytes<E: Error>(self, v: &[u8]) -> Result<(), E> {
                self.bytes.extend_from_slice(v);
                Ok(())
            }
        }
        struct Terms {
            human_readable: bool,
        }
        impl<'de> Visitor<'de> for Terms {
            type Value = TermList;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a sequence of terms")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<TermList, A::Error> {
                let mut bytes = Vec::new();
                // The count comes from the file: bound what it makes us reserve.
                let mut ends = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 20));
                let human_readable = self.human_readable;
                while seq
                    .next_element_seed(Append {
                        bytes: &mut bytes,
                        human_readable,
                    })?
                    .is_some()
                {
                    if ends.len() >= MAX_TERMS {
                        return Err(A::Error::custom("too many terms"));
                    }
                    let end = u32::try_from(bytes.len())
                        .map_err(|_| A::Error::custom("terms exceed 4 GiB"))?;
                    ends.push(end);
                }
                let text = String::from_utf8(bytes)
                    .map_err(|e| A::Error::custom(format!("a term is not UTF-8: {e}")))?;
                if let Some(i) = ends
                    .iter()
                    .position(|&e| !text.is_char_boundary(e as usize))
                {
                    return Err(A::Error::custom(format!("term {i} is not UTF-8")));
                }
                Ok(TermList {
                    text: text.into(),
                    ends: ends.into(),
                })
            }
        }
        let human_readable = deserializer.is_human_readable();
        deserializer.deserialize_seq(Terms { human_readable })
    }
}

/// A fitted vocabulary: terms in column order and a term-hash → column index.
///
/// Columns are ordered by [`term_hash`], so the same corpus and parameters always give the
/// same columns. Only the terms and their document frequencies are serialised. On load the
/// index is not a hash map to rebuild: it is the sorted column hashes themselves, searched
/// from a small table of where each range of hash values starts (about 32 hashes a range,
/// so the table stays in cache) by interpolation inside the range (hashes are uniform):
/// usually one cache line of the hashes per look-up.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(try_from = "VocabularyRepr", into = "VocabularyRepr")]
pub struct Vocabulary {
    terms: TermList,
    /// Document frequencies, stored as `u32` (a count of training documents; more than
    /// 4 billion is refused when the vocabulary is built).
    df: Cow<'static, [u32]>,
    /// Every column's term hash, sorted.
    keys: Cow<'static, [u64]>,
    /// The column of `keys[i]`; `None` when columns are in hash order (every vocabulary
    /// redflag fits), so that the column of `keys[i]` is `i`.
    columns: Option<Cow<'static, [u32]>>,
    /// `keys[starts[b]..starts[b + 1]]` are the hashes whose top bits are `b` (about 32 of
    /// them: the table is 4 bytes per 32 terms).
    starts: Vec<u32>,
    /// `64 - log2(starts.len() - 1)`.
    shift: u32,
}

#[derive(Clone, Serialize, Deserialize)]
struct VocabularyRepr {
    terms: TermList,
    df: Vec<u64>,
}

impl TryFrom<VocabularyRepr> for Vocabulary {
    type Error = FeatureError;
    fn try_from(r: VocabularyRepr) -> Result<Self, FeatureError> {
        Vocabulary::from_term_list(r.terms, r.df)
    }
}

impl From<Vocabulary> for VocabularyRepr {
    fn from(v: Vocabulary) -> Self {
        VocabularyRepr {
            terms: v.terms,
            df: v.df.iter().map(|&d| u64::from(d)).collect(),
        }
    }
}

impl PartialEq for Vocabulary {
    fn eq(&self, other: &Self) -> bool {
        self.terms == other.terms && self.df == other.df
    }
}

/// The start table of sorted hashes: about 32 hashes per range, and at least two ranges
/// (so that the shift stays below 64). Returns the table and the shift.
fn start_table(keys: &[u64]) -> (Vec<u32>, u32) {
    let bits = (keys.len() / 32)
        .max(2)
        .next_power_of_two()
        .trailing_zeros()
        .min(30);
    let shift = 64 - bits;
    let n_ranges = 1usize << bits;
    let mut starts = Vec::with_capacity(n_ranges + 1);
    let mut i = 0;
    for b in 0..n_ranges as u64 {
        while i < keys.len() && (keys[i] >> shift) < b {
            i += 1;
        }
        starts.push(i as u32);
    }
    starts.push(keys.len() as u32);
    (starts, shift)
}

impl Vocabulary {
    /// A vocabulary from terms (in column order) and their document frequencies. Fails on
    /// a repeated term or two terms with the same hash.
    pub fn from_terms(terms: Vec<String>, df: Vec<u64>) -> Result<Self, FeatureError> {
        if terms.len() > MAX_TERMS {
            return Err(FeatureError::Inconsistent(format!(
                "{} terms, more than the limit of {MAX_TERMS} (raise features.min_df or set features.max_features)",
                terms.len()
            )));
        }
        let mut list = TermList::default();
        for t in &terms {
            if t.len() > MAX_TERM_BYTES {
                break; // refused with its position below
            }
            list.push(t)?;
        }
        if list.len() < terms.len() {
            let i = list.len();
            return Err(FeatureError::Inconsistent(format!(
                "term {i} is {} bytes long, more than the limit of {MAX_TERM_BYTES}",
                terms[i].len()
            )));
        }
        Vocabulary::from_term_list(list, df)
    }

    /// [`Vocabulary::from_terms`] from a [`TermList`].
    pub fn from_term_list(terms: TermList, df: Vec<u64>) -> Result<Self, FeatureError> {
        if terms.len() != df.len() {
            return Err(FeatureError::Inconsistent(format!(
                "{} terms but {} document frequencies",
                terms.len(),
                df.len()
            )));
        }
        if terms.len() > MAX_TERMS {
            return Err(FeatureError::Inconsistent(format!(
                "{} terms, more than the limit of {MAX_TERMS}",
                terms.len()
            )));
        }
        if let Some((i, t)) = terms
            .iter()
            .enumerate()
            .find(|(_, t)| t.len() > MAX_TERM_BYTES)
        {
            return Err(FeatureError::Inconsistent(format!(
                "term {i} is {} bytes long, more than the limit of {MAX_TERM_BYTES}",
                t.len()
            )));
        }
        let mut keys: Vec<u64> = terms.iter().map(term_hash).collect();
        let mut columns: Option<Vec<u32>> = None;
        if !keys.windows(2).all(|w| w[0] < w[1]) {
            let mut order: Vec<u32> = (0..keys.len() as u32).collect();
            order.sort_unstable_by_key(|&c| keys[c as usize]);
            keys = order.iter().map(|&c| keys[c as usize]).collect();
            if let Some(i) = keys.windows(2).position(|w| w[0] == w[1]) {
                let a = terms.get(order[i] as usize).unwrap_or("");
                let b = terms.get(order[i + 1] as usize).unwrap_or("");
                return Err(if a == b {
                    FeatureError::DuplicateTerm(a.to_string())
                } else {
                    FeatureError::Inconsistent(format!("terms {a:?} and {b:?} share a 64-bit hash"))
                });
            }
            columns = Some(order);
        }
        let df = df
            .into_iter()
            .map(u32::try_from)
            .collect::<Result<Vec<u32>, _>>()
            .map_err(|_| {
                FeatureError::Inconsistent(
                    "a document frequency over 4 billion (more documents than redflag trains on)"
                        .into(),
                )
            })?;
        let (starts, shift) = start_table(&keys);
        Ok(Vocabulary {
            terms,
            df: df.into(),
            keys: keys.into(),
            columns: columns.map(Cow::Owned),
            starts,
            shift,
        })
    }

    /// A vocabulary from its stored index as [`Vocabulary::keys`],
    /// [`Vocabulary::columns`] and [`Vocabulary::start_table`] give them (a model file read
    /// in place). Always checked: as many terms, frequencies, hashes and columns, columns a
    /// permutation, and a start table that is one (its size, order and ends). With
    /// `verify`, also: hashes strictly increasing and each its term's hash (a pass over
    /// the index and a hash per term). Without it (the embedded model, verified when it was
    /// built in) a wrong entry makes a term unfindable or maps it to a wrong column of the
    /// same model, never a panic.
    pub fn from_index(
        terms: TermList,
        df: Cow<'static, [u32]>,
        keys: Cow<'static, [u64]>,
        columns: Option<Cow<'static, [u32]>>,
        starts: Cow<'static, [u32]>,
        verify: bool,
    ) -> Result<Self, FeatureError> {
        let n = terms.len();
        let bad = |why: String| Err(FeatureError::Inconsistent(why));
        if df.len() != n || keys.len() != n || columns.as_ref().is_some_and(|c| c.len() != n) {
            return bad(format!(
                "{n} terms but {} document frequencies, {} hashes and {} columns",
                df.len(),
                keys.len(),
                columns.as_ref().map_or(n, |c| c.len())
            ));
        }
        let bits = starts.len().saturating_sub(1).trailing_zeros();
        if starts.len() < 3
            || !(starts.len() - 1).is_power_of_two()
            || bits > 30
            || starts.first() != Some(&0)
            || starts.last().map(|&e| e as usize) != Some(n)
            || starts.windows(2).any(|w| w[0] > w[1])
        {
            return bad("the vocabulary's start table is not one".into());
        }
        let shift = 64 - bits;
        // Columns are checked even unverified (a column out of range would index past the
        // weights); fitted vocabularies have none, so this costs nothing in practice.
        if let Some(c) = &columns {
            let mut seen = vec![false; n];
            for &j in c.iter() {
                match seen.get_mut(j as usize) {
                    Some(s) if !*s => *s = true,
                    _ => return bad(format!("column {j} is out of range or repeated")),
                }
            }
        }
        if verify {
            if let Some(i) = keys.windows(2).position(|w| w[0] >= w[1]) {
                return bad(format!("term hashes {i} and {} are out of order", i + 1));
            }
            for (i, &k) in keys.iter().enumerate() {
                let col = columns.as_ref().map_or(i, |c| c[i] as usize);
                if terms.get(col).map(term_hash) != Some(k) {
                    return bad(format!("the stored hash of column {col} is not its term's"));
                }
            }
            let (expected, expected_shift) = start_table(&keys);
            if starts[..] != expected[..] || shift != expected_shift {
                return bad("the vocabulary's start table does not match its hashes".into());
            }
        }
        Ok(Vocabulary {
            terms,
            df,
            keys,
            columns,
            starts: starts.into_owned(),
            shift,
        })
    }

    /// Every column's term hash, sorted.
    pub fn keys(&self) -> &[u64] {
        &self.keys
    }

    /// The column of each of [`Vocabulary::keys`], or `None` when columns are in hash
    /// order.
    pub fn columns(&self) -> Option<&[u32]> {
        self.columns.as_deref()
    }

    /// Where each range of hash values starts in [`Vocabulary::keys`] (the ranges are the
    /// hashes' top `log2(len - 1)` bits).
    pub fn start_table(&self) -> &[u32] {
        &self.starts
    }

    /// Every column's document frequency.
    pub fn doc_frequencies(&self) -> &[u32] {
        &self.df
    }

    /// Prunes counted document frequencies into a vocabulary, given the text of every
    /// counted term (for tests and small corpora; [`Vectorizer`](super::Vectorizer) collects
    /// the text of kept terms only).
    pub fn fit<'t>(
        counts: DocFrequencies,
        params: &VocabularyParams,
        texts: impl IntoIterator<Item = &'t str>,
    ) -> Result<Self, FeatureError> {
        let selection = counts.select(params)?;
        let mut terms = vec![String::new(); selection.len()];
        let mut seen = vec![false; selection.len()];
        for t in texts {
            if let Some(c) = selection.column(term_hash(t)) {
                if !seen[c as usize] {
                    seen[c as usize] = true;
                    terms[c as usize] = t.to_string();
                }
            }
        }
        if let Some(c) = seen.iter().position(|s| !s) {
            return Err(FeatureError::Inconsistent(format!(
                "no text was given for column {c}"
            )));
        }
        selection.into_vocabulary(terms)
    }

    /// The column of `term`, if it is in the vocabulary.
    #[inline]
    pub fn get(&self, term: &str) -> Option<u32> {
        self.get_hash(term_hash(term))
    }

    /// The column of a [`term_hash`], if it is in the vocabulary.
    #[inline]
    pub fn get_hash(&self, hash: u64) -> Option<u32> {
        let b = (hash >> self.shift) as usize;
        let (lo, hi) = (self.starts[b] as usize, self.starts[b + 1] as usize);
        let keys = self.keys.get(lo..hi)?;
        if keys.is_empty() {
            return None;
        }
        // Where `hash` would sit if the range's hashes were evenly spread, then a walk to
        // it: the range is sorted, so the walk stops at the first hash past it.
        let offset = hash - ((b as u64) << self.shift);
        let guess = ((u128::from(offset) * keys.len() as u128) >> self.shift) as usize;
        let mut j = guess.min(keys.len() - 1);
        let found = if keys[j] < hash {
            loop {
                j += 1;
                match keys.get(j) {
                    Some(&k) if k < hash => continue,
                    Some(&k) => break k == hash,
                    None => break false,
                }
            }
        } else {
            loop {
                if keys[j] == hash {
                    break true;
                }
                if j == 0 || keys[j - 1] < hash {
                    break false;
                }
                j -= 1;
            }
        };
        if !found {
            return None;
        }
        let i = lo + j;
        Some(match &self.columns {
            None => i as u32,
            Some(c) => c[i],
        })
    }

    /// The term of column `i`.
    pub fn term(&self, i: usize) -> Option<&str> {
        self.terms.get(i)
    }

    /// Document frequency of column `i` in the training corpus.
    pub fn doc_frequency(&self, i: usize) -> Option<u64> {
        self.df.get(i).map(|&d| u64::from(d))
    }

    /// All terms in column order.
    pub fn terms(&self) -> &TermList {
        &self.terms
    }

    /// Number of terms (columns).
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// True when there are no terms.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file listing more terms than [`MAX_TERMS`], each stored in one byte (empty), is
    /// refused when the count is passed, so what it makes a reader allocate stays bounded.
    #[test]
    fn a_term_list_longer_than_the_limit_is_refused() {
        let n = MAX_TERMS as u64 + 1;
        let mut bytes = Vec::new();
        let mut v = n;
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                bytes.push(b);
                break;
            }
            bytes.push(b | 0x80);
        }
        bytes.resize(bytes.len() + n as usize, 0);
        assert!(postcard::from_bytes::<TermList>(&bytes).is_err());
        // One fewer is read.
        let mut ok = bytes.clone();
        ok.pop();
        ok[..4].copy_from_slice(&[0x80, 0x80, 0x80, 0x08]);
        let list = postcard::from_bytes::<TermList>(&ok).unwrap();
        assert_eq!(list.len(), MAX_TERMS);
    }

    /// Document frequencies are stored as `u32`; a larger one is refused, not truncated.
    #[test]
    fn a_document_frequency_over_u32_is_refused() {
        let ok = Vocabulary::from_terms(vec!["a".into()], vec![u64::from(u32::MAX)]).unwrap();
        assert_eq!(ok.doc_frequency(0), Some(u64::from(u32::MAX)));
        let err = Vocabulary::from_terms(vec!["a".into()], vec![1 << 32]).unwrap_err();
        assert!(err.to_string().contains("over 4 billion"), "{err}");
    }

    /// The sorted-hash index finds every term and nothing else, whether columns are in hash
    /// order (as fitted) or not (as a file may hold them), at every size.
    #[test]
    fn index_finds_every_term_in_any_column_order() {
        for n in [0usize, 1, 2, 3, 5, 17, 1000, 5000] {
            let terms: Vec<String> = (0..n).map(|i| format!("t{i}")).collect();
            let df = vec![1; n];
            let v = Vocabulary::from_terms(terms.clone(), df.clone()).unwrap();
            let mut by_hash = terms.clone();
            by_hash.sort_by_key(|t| term_hash(t));
            let w = Vocabulary::from_terms(by_hash.clone(), df).unwrap();
            assert!(w.columns.is_none() && (n < 17 || v.columns.is_some()));
            for (vocab, order) in [(&v, &terms), (&w, &by_hash)] {
                for (c, t) in order.iter().enumerate() {
                    assert_eq!(vocab.get(t), Some(c as u32), "{t} in {n}");
                    assert_eq!(vocab.term(c), Some(t.as_str()));
                }
                assert_eq!(vocab.get("absent"), None);
                assert_eq!(vocab.get(""), None);
            }
        }
    }

    /// The interpolated search answers exactly what a binary search of the sorted hashes
    /// answers, for hashes present and absent: at the ends of every range, between
    /// neighbours, and beyond the first and last hash.
    #[test]
    fn interpolated_search_agrees_with_binary_search() {
        for n in [1usize, 2, 31, 33, 100, 4096, 70_000] {
            let terms: Vec<String> = (0..n).map(|i| format!("term {i}")).collect();
            let v = Vocabulary::from_terms(terms, vec![1; n]).unwrap();
            let mut probes: Vec<u64> = vec![0, 1, u64::MAX, u64::MAX - 1];
            for (i, &k) in v.keys.iter().enumerate() {
                probes.extend([k, k.wrapping_sub(1), k.wrapping_add(1)]);
                if let Some(&next) = v.keys.get(i + 1) {
                    probes.push(k + (next - k) / 2);
                }
            }
            for b in 0..v.starts.len() as u64 - 1 {
                let start = b << v.shift;
                probes.extend([start, start.wrapping_sub(1), start + 1]);
            }
            for h in probes {
                let want = v.keys.binary_search(&h).ok().map(|i| i as u32);
                let want = want.map(|i| v.columns.as_ref().map_or(i, |c| c[i as usize]));
                assert_eq!(v.get_hash(h), want, "hash {h:#x} in {n}");
            }
        }
    }

    /// A term list is stored exactly as a `Vec<String>` would be, in binary and in JSON, and
    /// a list whose bytes split a character between two terms is refused.
    #[test]
    fn term_list_serialises_like_a_vec_of_strings() {
        let terms = vec![
            "a".to_string(),
            String::new(),
            "ال".to_string(),
            "~ gi".to_string(),
        ];
        let list: TermList = terms.iter().collect();
        let bin = postcard::to_stdvec(&list).unwrap();
        assert_eq!(bin, postcard::to_stdvec(&terms).unwrap());
        assert_eq!(postcard::from_bytes::<TermList>(&bin).unwrap(), list);
        let json = serde_json::to_string(&list).unwrap();
        assert_eq!(json, serde_json::to_string(&terms).unwrap());
        assert_eq!(serde_json::from_str::<TermList>(&json).unwrap(), list);
        // "é" split: its first byte ends one term, its second starts the next.
        let split = postcard::to_stdvec(&vec![&b"\xc3"[..], &b"\xa9"[..]]).unwrap();
        assert!(postcard::from_bytes::<TermList>(&split).is_err());
        let bad = postcard::to_stdvec(&vec![&b"\xff"[..]]).unwrap();
        assert!(postcard::from_bytes::<TermList>(&bad).is_err());
    }

    #[test]
    fn loading_refuses_oversized_terms() {
        let ok = Vocabulary::from_terms(vec!["a".repeat(MAX_TERM_BYTES)], vec![1]);
        assert!(ok.is_ok());
        let err =
            Vocabulary::from_terms(vec!["a".into(), "b".repeat(MAX_TERM_BYTES + 1)], vec![1, 1])
                .unwrap_err()
                .to_string();
        assert!(err.contains("term 1 is 65537 bytes long"), "{err}");
        let err = Vocabulary::from_terms(vec!["a".into()], vec![1, 2])
            .unwrap_err()
            .to_string();
        assert!(err.contains("1 terms but 2 document frequencies"), "{err}");
    }

    fn fit(docs: &[&[&str]], p: &VocabularyParams) -> Result<Vocabulary, FeatureError> {
        let all: Vec<&str> = docs.iter().flat_map(|d| d.iter().copied()).collect();
        Vocabulary::fit(counts(docs), p, all)
    }

    fn sorted(v: &Vocabulary) -> Vec<&str> {
        let mut t: Vec<&str> = v.terms().iter().collect();
        t.sort_unstable();
        t
    }

    fn counts(docs: &[&[&str]]) -> DocFrequencies {
        let mut c = DocFrequencies::default();
        for (d, terms) in docs.iter().enumerate() {
            for t in *terms {
                c.add(t, d as u64);
            }
            c.finish_document();
        }
        c
    }

    #[test]
    fn document_frequency_counts_each_document_once() {
        let v = fit(
            &[&["a", "a", "b"], &["a"], &["c"]],
            &VocabularyParams {
                min_df: 1.into(),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(sorted(&v), &["a", "b", "c"]);
        let a = v.get("a").unwrap() as usize;
        assert_eq!(v.doc_frequency(a), Some(2));
        assert_eq!(v.term(a), Some("a"));
        assert_eq!(v.get("zzz"), None);
    }

    #[test]
    fn min_df_max_df_and_max_features_prune() {
        let docs: &[&[&str]] = &[&["a", "b", "c"], &["a", "b"], &["a", "d"], &["a", "e"]];
        let p = VocabularyParams {
            min_df: 2.into(),
            max_df: 0.9.into(),
            max_features: None,
        };
        // a is in 4/4 > 0.9·4 = 3.6 documents; b in 2; c, d, e in 1.
        assert_eq!(sorted(&fit(docs, &p).unwrap()), &["b"]);
        let p = VocabularyParams {
            min_df: 1.into(),
            max_df: 1.0.into(),
            max_features: Some(2),
        };
        // a (4) and b (2) are the most frequent.
        assert_eq!(sorted(&fit(docs, &p).unwrap()), &["a", "b"]);
        let p = VocabularyParams {
            min_df: 0.5.into(),
            ..Default::default()
        };
        assert_eq!(sorted(&fit(docs, &p).unwrap()), &["a", "b"]);
    }

    #[test]
    fn merge_equals_single_pass() {
        let docs: &[&[&str]] = &[&["a", "b"], &["b", "c"], &["a"], &["c", "c"]];
        let mut left = counts(&docs[..2]);
        let right = counts(&docs[2..]);
        left.merge(right);
        let p = VocabularyParams {
            min_df: 1.into(),
            ..Default::default()
        };
        let merged = Vocabulary::fit(left, &p, ["a", "b", "c"]).unwrap();
        let single = fit(docs, &p).unwrap();
        assert_eq!(merged, single);
    }

    #[test]
    fn bad_params_and_empty_vocabulary_are_errors() {
        let p = VocabularyParams {
            min_df: DocFrequency::Fraction(1.5),
            ..Default::default()
        };
        assert!(matches!(p.check(), Err(FeatureError::InvalidParam(_))));
        let p = VocabularyParams {
            max_features: Some(0),
            ..Default::default()
        };
        assert!(p.check().is_err());
        let p = VocabularyParams {
            min_df: 10.into(),
            ..Default::default()
        };
        assert!(matches!(
            fit(&[&["a"]], &p),
            Err(FeatureError::EmptyVocabulary { .. })
        ));
    }

    #[test]
    fn duplicate_terms_are_rejected_and_serde_round_trips() {
        assert!(matches!(
            Vocabulary::from_terms(vec!["a".into(), "a".into()], vec![1, 1]),
            Err(FeatureError::DuplicateTerm(_))
        ));
        let v = Vocabulary::from_terms(vec!["a".into(), "b c".into()], vec![3, 1]).unwrap();
        let bytes = postcard::to_stdvec(&v).unwrap();
        let back: Vocabulary = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back, v);
        assert_eq!(back.get("b c"), Some(1));
        let json = serde_json::to_string(&VocabularyParams::default()).unwrap();
        let p: VocabularyParams = serde_json::from_str(&json).unwrap();
        assert_eq!(p, VocabularyParams::default());
        let p: VocabularyParams = toml::from_str("min_df = 3\nmax_df = 0.5").unwrap();
        assert_eq!(p.min_df, DocFrequency::Count(3));
        assert_eq!(p.max_df, DocFrequency::Fraction(0.5));
    }
}
