//! The model file: one self-describing, versioned, checksummed file holding everything a
//! [`Classifier`] needs.
//!
//! Layout (all integers little-endian):
//!
//! | bytes | content |
//! |---|---|
//! | 0..8 | magic `\x89RFM\r\n\x1a\n` (catches text-mode transfers, like PNG's) |
//! | 8..12 | format version, `u32` |
//! | 12..20 | payload length, `u64` |
//! | 20..52 | SHA-256 of the payload |
//! | 52.. | payload |
//!
//! The payload holds a JSON header (class names, review thresholds, the full training
//! configuration — analyser, features, solver — and training metadata, readable by
//! `redflag inspect` and by eye), the vocabulary, the TF-IDF weights and the logistic
//! weights. Reading checks, in order: magic, version, length (truncation), checksum
//! (tampering), then decodes and cross-checks every section, so a damaged or hostile file
//! gets an error naming the problem, never a panic.
//!
//! **Version 2** (written since 0.2) lays the large arrays out so that they can be used
//! where they lie, without decoding. The payload is a `u64` length, then
//! [postcard](https://docs.rs/postcard) of the layout (the header, the small parts and
//! where each array lies), zero padding to a file offset that is a multiple of 16, then
//! the arrays, each little-endian and 16-byte aligned:
//!
//! - the terms' text (UTF-8) and where each term ends (`u32`);
//! - document frequencies (`u32`);
//! - the vocabulary's index: the sorted term hashes (`u64`), the column of each when
//!   columns are not in hash order (`u32`), and the start table of hash ranges (`u32`);
//! - the idf (`f32`) and the weights (`f32`, feature-major: a feature's weights for every
//!   class side by side).
//!
//! The embedded default model is used in place: nothing is copied, hashed or re-indexed on
//! load, and only the checks that need no pass over an array run (its bytes were verified
//! when it was built in, by its checksum and by the test that loads a copy of it as a file
//! is loaded). A model read from a file is copied out of its bytes, one copy per array, and
//! checked in full. **Version 1** (0.1) was one postcard value of every part; it is still
//! read.
//!
//! ```
//! use redflag::bundle::{read_model, ModelFileError};
//!
//! let err = read_model(b"definitely not a model").unwrap_err();
//! assert!(matches!(err.kind(), redflag::ErrorKind::ModelFile(ModelFileError::NotAModel)));
//! ```

use std::borrow::Cow;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::classifier::{Classifier, ModelMeta};
use crate::config::TrainConfig;
use crate::error::{Error, Result};
use crate::features::{TermList, TfIdf, TfIdfParams, Vectorizer, Vocabulary};
use crate::model::logistic::{FitReport, LogisticModel};
use crate::model::{Calibration, ReviewPolicy};
use crate::text::Analyzer;

/// The first eight bytes of every model file.
pub const MAGIC: [u8; 8] = *b"\x89RFM\r\n\x1a\n";
/// The format version this build writes (it reads this one and version 1).
pub const FORMAT_VERSION: u32 = 2;
/// Alignment of the arrays of a version-2 file, from the start of the file.
const ALIGN: usize = 16;
/// Size of the fixed header before the payload.
pub const HEADER_LEN: usize = 8 + 4 + 8 + 32;
/// Largest model file accepted (checked before anything is allocated).
pub const MAX_MODEL_BYTES: u64 = 1 << 30;

/// Bytes aligned to [`ALIGN`] (a version-2 model's arrays are used in place only from
/// aligned memory).
#[repr(C, align(16))]
struct Aligned<B: ?Sized>(B);

static EMBEDDED: &Aligned<[u8]> = &Aligned(*include_bytes!("../../models/default.rfm"));

/// The default model, trained from the recipe in `datasets/` and embedded at build time
/// (16-byte aligned, so that its arrays are used where they lie).
pub static DEFAULT_MODEL: &[u8] = &EMBEDDED.0;

pub use crate::error::ModelFileError;

/// The human-readable part of a model file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelHeader {
    /// Always `"redflag-model"`.
    pub format: String,
    /// Class names in score order.
    pub classes: Vec<String>,
    /// Review thresholds.
    pub review: ReviewPolicy,
    /// Probability calibration.
    pub calibration: Calibration,
    /// The configuration the model was trained with.
    pub config: TrainConfig,
    /// Facts about training.
    pub meta: ModelMeta,
}

/// A version-1 payload (read, no longer written).
#[derive(Serialize, Deserialize)]
struct Payload {
    header_json: String,
    vocabulary: RawVocabulary,
    tfidf: TfIdf,
    logistic: LogisticModel,
}

/// The vocabulary as stored (the same bytes as [`Vocabulary`]'s own serde form). It is
/// decoded raw and checked by [`Vocabulary::from_term_list`] afterwards, so that a refused
/// vocabulary gets an error that says why (postcard drops the messages of errors raised
/// inside deserialisation).
#[derive(Serialize, Deserialize)]
struct RawVocabulary {
    terms: TermList,
    df: Vec<u64>,
}

impl From<&Vocabulary> for RawVocabulary {
    fn from(v: &Vocabulary) -> Self {
        RawVocabulary {
            terms: v.terms().clone(),
            df: (0..v.len())
                .map(|i| v.doc_frequency(i).unwrap_or(0))
                .collect(),
        }
    }
}

/// Serialises a classifier into model-file bytes. Deterministic: the same classifier
/// always gives the same bytes.
pub fn write_model(classifier: &Classifier) -> Result<Vec<u8>> {
    let header = ModelHeader {
        format: "redflag-model".into(),
        classes: classifier.classes.clone(),
        review: classifier.review.clone(),
        calibration: classifier.calibration,
        config: classifier.config.clone(),
        meta: classifier.meta.clone(),
    };
    let header_json =
        serde_json::to_string_pretty(&header).map_err(|e| ModelFileError::Decode(e.to_string()))?;
    let vocabulary = classifier.vectorizer.vocabulary();
    let tfidf = classifier.vectorizer.tfidf();
    let logistic = &classifier.logistic;
    let mut data = Vec::new();
    let layout = Layout {
        header_json,
        tfidf: tfidf.params().clone(),
        n_features: logistic.n_features() as u64,
        n_classes: logistic.n_classes() as u64,
        intercept: logistic.intercept().to_vec(),
        fit: logistic.report().clone(),
        term_text: put(&mut data, vocabulary.terms().text().as_bytes()),
        term_ends: put_array(&mut data, vocabulary.terms().ends()),
        df: put_array(&mut data, vocabulary.doc_frequencies()),
        keys: put_array(&mut data, vocabulary.keys()),
        columns: vocabulary.columns().map(|c| put_array(&mut data, c)),
        starts: put_array(&mut data, vocabulary.start_table()),
        idf: put_array(&mut data, tfidf.idf()),
        weights: put_array(&mut data, logistic.weights()),
    };
    let meta = postcard::to_stdvec(&layout).map_err(|e| ModelFileError::Decode(e.to_string()))?;
    let mut payload = Vec::with_capacity(8 + meta.len() + ALIGN + data.len());
    payload.extend_from_slice(&(meta.len() as u64).to_le_bytes());
    payload.extend_from_slice(&meta);
    payload.resize(data_start(meta.len()) - HEADER_LEN, 0);
    payload.extend_from_slice(&data);
    Ok(seal(&payload))
}

/// The small parts of a version-2 model and where its arrays lie.
#[derive(Serialize, Deserialize)]
struct Layout {
    header_json: String,
    tfidf: TfIdfParams,
    n_features: u64,
    n_classes: u64,
    intercept: Vec<f32>,
    fit: FitReport,
    term_text: Section,
    term_ends: Section,
    df: Section,
    keys: Section,
    columns: Option<Section>,
    starts: Section,
    idf: Section,
    weights: Section,
}

/// Where an array lies: byte offset from the start of the data area, and byte length.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
struct Section {
    offset: u64,
    len: u64,
}

/// File offset of a version-2 file's data area, after its layout of `meta_len` bytes.
fn data_start(meta_len: usize) -> usize {
    (HEADER_LEN + 8 + meta_len).next_multiple_of(ALIGN)
}

/// Appends bytes to the data area at the next aligned offset.
fn put(data: &mut Vec<u8>, bytes: &[u8]) -> Section {
    data.resize(data.len().next_multiple_of(ALIGN), 0);
    let offset = data.len() as u64;
    data.extend_from_slice(bytes);
    Section {
        offset,
        len: bytes.len() as u64,
    }
}

/// Appends an array, little-endian.
fn put_array<T: Scalar>(data: &mut Vec<u8>, values: &[T]) -> Section {
    if cfg!(target_endian = "little") {
        put(data, bytemuck::cast_slice(values))
    } else {
        let bytes: Vec<u8> = values
            .iter()
            .flat_map(|v| bytemuck::bytes_of(&v.swap_to_le()).to_vec())
            .collect();
        put(data, &bytes)
    }
}

/// The numbers a version-2 file stores in arrays.
trait Scalar: bytemuck::Pod {
    /// The value with its bytes in little-endian order (the identity on little-endian
    /// machines; its own inverse).
    fn swap_to_le(self) -> Self;
}

impl Scalar for u32 {
    fn swap_to_le(self) -> Self {
        self.to_le()
    }
}

impl Scalar for u64 {
    fn swap_to_le(self) -> Self {
        self.to_le()
    }
}

impl Scalar for f32 {
    fn swap_to_le(self) -> Self {
        f32::from_bits(self.to_bits().to_le())
    }
}

/// The bytes of a version-2 file and, for the embedded model, the same bytes with a
/// `'static` lifetime (so that its arrays are borrowed, not copied).
struct Area<'a> {
    file: &'a [u8],
    embedded: Option<&'static [u8]>,
    data_start: usize,
}

impl Area<'_> {
    fn range(&self, s: Section, what: &str) -> Result<std::ops::Range<usize>, ModelFileError> {
        let outside = || ModelFileError::Invalid(format!("the {what} lie outside the file"));
        let start = usize::try_from(s.offset)
            .ok()
            .and_then(|o| o.checked_add(self.data_start))
            .ok_or_else(outside)?;
        let end = usize::try_from(s.len)
            .ok()
            .and_then(|l| l.checked_add(start))
            .filter(|&e| e <= self.file.len())
            .ok_or_else(outside)?;
        Ok(start..end)
    }

    fn array<T: Scalar>(
        &self,
        s: Section,
        what: &str,
    ) -> Result<Cow<'static, [T]>, ModelFileError> {
        let r = self.range(s, what)?;
        let size = std::mem::size_of::<T>();
        if r.len() % size != 0 {
            return Err(ModelFileError::Invalid(format!(
                "the {what} are {} bytes, not a whole number of {size}-byte values",
                r.len()
            )));
        }
        if cfg!(target_endian = "little") {
            if let Some(v) = self
                .embedded
                .and_then(|e| bytemuck::try_cast_slice(&e[r.clone()]).ok())
            {
                return Ok(Cow::Borrowed(v));
            }
            return Ok(Cow::Owned(bytemuck::pod_collect_to_vec(&self.file[r])));
        }
        Ok(Cow::Owned(
            self.file[r]
                .chunks_exact(size)
                .map(|c| bytemuck::pod_read_unaligned::<T>(c).swap_to_le())
                .collect(),
        ))
    }

    fn text(&self, s: Section, what: &str) -> Result<Cow<'static, str>, ModelFileError> {
        let r = self.range(s, what)?;
        let not_utf8 = |e| ModelFileError::Invalid(format!("the {what} are not UTF-8: {e}"));
        Ok(match self.embedded {
            Some(e) => Cow::Borrowed(simdutf8::compat::from_utf8(&e[r]).map_err(not_utf8)?),
            None => Cow::Owned(
                simdutf8::compat::from_utf8(&self.file[r])
                    .map_err(not_utf8)?
                    .to_owned(),
            ),
        })
    }
}

/// Splits a verified version-2 payload into its layout and data area.
fn layout(file: &[u8]) -> Result<(Layout, Area<'_>), ModelFileError> {
    let payload = &file[HEADER_LEN..];
    let short = || ModelFileError::Decode("the payload is too short for its layout".into());
    let meta_len = payload
        .get(..8)
        .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")))
        .and_then(|l| usize::try_from(l).ok())
        .filter(|&l| l <= payload.len() - 8)
        .ok_or_else(short)?;
    let layout: Layout = postcard::from_bytes(&payload[8..8 + meta_len])
        .map_err(|e| ModelFileError::Decode(e.to_string()))?;
    let data_start = data_start(meta_len);
    if data_start > file.len() {
        return Err(short());
    }
    let area = Area {
        file,
        embedded: is_embedded(file).then_some(DEFAULT_MODEL),
        data_start,
    };
    Ok((layout, area))
}

/// Wraps an encoded payload in the model-file envelope: magic, version, length and
/// SHA-256. [`write_model`] uses it; it is public so that fuzzing and tests can build files
/// whose checksum is right but whose payload is hostile ([`read_model`] must still refuse
/// them cleanly).
pub fn seal(payload: &[u8]) -> Vec<u8> {
    seal_version(FORMAT_VERSION, payload)
}

/// [`seal`] with another format version in the envelope (to build version-1 files in
/// tests and fuzzing).
pub fn seal_version(version: u32, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&Sha256::digest(payload));
    out.extend_from_slice(payload);
    out
}

/// Writes a classifier to `path` (atomically: a temporary file renamed into place).
pub fn save_model(classifier: &Classifier, path: &Path) -> Result<()> {
    let bytes = write_model(classifier)?;
    let tmp = path.with_extension("rfm.tmp");
    std::fs::write(&tmp, &bytes).map_err(|e| Error::io(Some(tmp.clone()), e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(Some(path.to_path_buf()), e))
}

/// Checks the fixed header and checksum; returns the format version and the verified
/// payload.
fn verified_payload(bytes: &[u8]) -> Result<(u32, &[u8]), ModelFileError> {
    let (version, payload) = envelope(bytes)?;
    if is_embedded(bytes) {
        // The embedded model is part of the executable, as trusted as its code; its
        // checksum was verified when it was built into it (the test
        // `the_embedded_model_passes_its_checksum`), so loading it does not hash it again.
        return Ok((version, payload));
    }
    let digest = Sha256::digest(payload);
    if digest[..] != bytes[20..52] {
        return Err(ModelFileError::ChecksumMismatch {
            expected: hex(&bytes[20..52]),
            actual: hex(&digest),
        });
    }
    Ok((version, payload))
}

/// Checks the fixed header (magic, version, payload length against the bytes there are),
/// not the checksum; returns the format version and the payload.
fn envelope(bytes: &[u8]) -> Result<(u32, &[u8]), ModelFileError> {
    if bytes.len() < 8 || bytes[..8] != MAGIC {
        return Err(ModelFileError::NotAModel);
    }
    if bytes.len() < 12 {
        return Err(ModelFileError::Truncated {
            expected: HEADER_LEN as u64,
            actual: bytes.len() as u64,
        });
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if version != FORMAT_VERSION && version != 1 {
        return Err(ModelFileError::UnsupportedVersion {
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    if bytes.len() < HEADER_LEN {
        return Err(ModelFileError::Truncated {
            expected: HEADER_LEN as u64,
            actual: bytes.len() as u64,
        });
    }
    let len = u64::from_le_bytes(bytes[12..20].try_into().expect("8 bytes"));
    if len > MAX_MODEL_BYTES {
        return Err(ModelFileError::TooLarge {
            size: len,
            limit: MAX_MODEL_BYTES,
        });
    }
    let expected_total = HEADER_LEN as u64 + len;
    let actual = bytes.len() as u64;
    if actual < expected_total {
        return Err(ModelFileError::Truncated {
            expected: expected_total,
            actual,
        });
    }
    if actual > expected_total {
        return Err(ModelFileError::TrailingBytes(actual - expected_total));
    }
    Ok((version, &bytes[HEADER_LEN..]))
}

/// True when `bytes` are the embedded [`DEFAULT_MODEL`] itself (the same memory, not a copy
/// of it: a copy read from anywhere else is verified like any file).
fn is_embedded(bytes: &[u8]) -> bool {
    std::ptr::eq(bytes, DEFAULT_MODEL)
}

/// The SHA-256 of a model file's payload as stored in its header (hex), after verifying it.
pub fn checksum(bytes: &[u8]) -> Result<String> {
    verified(bytes)?;
    Ok(hex(&bytes[20..52]))
}

/// The payload checksum stored in a model file's fixed header (hex), as [`checksum`] gives
/// it, without hashing the payload to verify it: for bytes already verified by
/// [`read_header`], [`read_model`] or [`open_model`], or just written by [`write_model`]
/// in this process. Magic, version and length are still checked.
pub fn stored_checksum(bytes: &[u8]) -> Result<String> {
    format_version(bytes)?; // the fixed header's checks, nothing hashed
    Ok(hex(&bytes[20..52]))
}

/// The SHA-256 of a whole model file (hex), what `sha256sum` prints for it; the stored
/// [`checksum`] covers the payload only.
pub fn file_checksum(bytes: &[u8]) -> String {
    if is_embedded(bytes) {
        // Computed once per process: reports of the default model ask for it again and
        // again, and it is 50 MB of hashing each time.
        static EMBEDDED_FILE_SHA256: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        return EMBEDDED_FILE_SHA256
            .get_or_init(|| hex(&Sha256::digest(bytes)))
            .clone();
    }
    hex(&Sha256::digest(bytes))
}

/// The format version of a model file, from its fixed header (magic, version and length
/// checked). It does not hash the payload: it is for callers that also verify the file with
/// [`checksum`], [`read_header`], [`read_model`] or [`open_model`] (which gives the version
/// too).
pub fn format_version(bytes: &[u8]) -> Result<u32> {
    if bytes.is_empty() {
        return Err(ModelFileError::NoDefaultModel.into());
    }
    Ok(envelope(bytes)?.0)
}

/// Reads only the JSON header of a model file (after verifying magic, version and checksum).
pub fn read_header(bytes: &[u8]) -> Result<ModelHeader> {
    let header_json = match verified(bytes)? {
        (1, payload) => decode_v1(payload)?.header_json,
        _ => layout(bytes)?.0.header_json,
    };
    serde_json::from_str(&header_json)
        .map_err(|e| ModelFileError::Decode(format!("header: {e}")).into())
}

fn verified(bytes: &[u8]) -> Result<(u32, &[u8])> {
    if bytes.is_empty() {
        return Err(ModelFileError::NoDefaultModel.into());
    }
    Ok(verified_payload(bytes)?)
}

fn decode_v1(payload: &[u8]) -> Result<Payload> {
    Ok(postcard::from_bytes(payload).map_err(|e| ModelFileError::Decode(e.to_string()))?)
}

impl Classifier {
    /// The model embedded in the binary (`models/default.rfm`). Defined with the model
    /// file, which depends on the classifier, not the other way round.
    pub fn default_model() -> Result<Self> {
        read_model(DEFAULT_MODEL)
    }
}

/// A model read from a model file, with what identifies the file: [`open_model`] gives it
/// after one verifying pass, where [`read_model`] and [`checksum`] would take two.
#[derive(Debug)]
#[non_exhaustive]
pub struct OpenedModel {
    /// The classifier.
    pub model: Classifier,
    /// The file's format version.
    pub format_version: u32,
    /// The SHA-256 of its payload (hex), as [`checksum`] gives it.
    pub sha256: String,
}

/// Reads a classifier from model-file bytes. The embedded [`DEFAULT_MODEL`] is used in
/// place; other bytes are copied out, so the classifier does not borrow them.
pub fn read_model(bytes: &[u8]) -> Result<Classifier> {
    Ok(open_model(bytes)?.model)
}

/// Reads a classifier from model-file bytes, as [`read_model`] does, together with the
/// file's format version and checksum (verified once).
pub fn open_model(bytes: &[u8]) -> Result<OpenedModel> {
    let invalid = |e: Error| -> Error { ModelFileError::Invalid(e.to_string()).into() };
    let (format_version, payload) = verified(bytes)?;
    let sha256 = hex(&bytes[20..52]);
    let (header_json, vocabulary, tfidf, logistic) = match (format_version, payload) {
        (1, payload) => {
            let p = decode_v1(payload)?;
            let vocabulary = Vocabulary::from_term_list(p.vocabulary.terms, p.vocabulary.df)
                .map_err(|e| invalid(e.into()))?;
            (p.header_json, vocabulary, p.tfidf, p.logistic)
        }
        _ => {
            let (l, area) = layout(bytes)?;
            let verify = area.embedded.is_none();
            let terms = TermList::from_parts(
                area.text(l.term_text, "term texts")?,
                area.array(l.term_ends, "term ends")?,
                verify,
            )
            .map_err(|e| invalid(e.into()))?;
            let columns = l.columns.map(|c| area.array(c, "columns")).transpose()?;
            let vocabulary = Vocabulary::from_index(
                terms,
                area.array(l.df, "document frequencies")?,
                area.array(l.keys, "term hashes")?,
                columns,
                area.array(l.starts, "start table")?,
                verify,
            )
            .map_err(|e| invalid(e.into()))?;
            let tfidf = TfIdf::from_parts(l.tfidf, area.array::<f32>(l.idf, "idf values")?)
                .map_err(|e| invalid(e.into()))?;
            let too_big = || ModelFileError::Invalid("the model's shape overflows".into());
            let logistic = LogisticModel::from_parts(
                usize::try_from(l.n_features).map_err(|_| too_big())?,
                usize::try_from(l.n_classes).map_err(|_| too_big())?,
                area.array::<f32>(l.weights, "weights")?,
                l.intercept,
                l.fit,
            );
            (l.header_json, vocabulary, tfidf, logistic)
        }
    };
    let header: ModelHeader = serde_json::from_str(&header_json)
        .map_err(|e| ModelFileError::Decode(format!("header: {e}")))?;
    if header.format != "redflag-model" {
        return Err(ModelFileError::Invalid(format!("format is {:?}", header.format)).into());
    }
    let analyzer = Analyzer::new(header.config.analyzer.clone()).map_err(|e| invalid(e.into()))?;
    let vectorizer =
        Vectorizer::from_parts(analyzer, vocabulary, tfidf).map_err(|e| invalid(e.into()))?;
    let model = Classifier::from_parts(
        header.classes,
        vectorizer,
        logistic,
        header.calibration,
        header.review,
        header.config,
        header.meta,
    )
    .map_err(invalid)?;
    Ok(OpenedModel {
        model,
        format_version,
        sha256,
    })
}

/// Reads a model file's bytes without trusting its size: the fixed header first (a file
/// that is not a model, such as `/dev/zero`, is refused after 8 bytes), then exactly the
/// payload length it declares, refused before anything is allocated when over
/// [`MAX_MODEL_BYTES`]. Works the same on regular files, devices and pipes. The bytes are
/// verified by [`open_model`], [`read_model`], [`read_header`] and [`checksum`].
pub fn read_file(path: &Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let io = |e| Error::io(Some(path.to_path_buf()), e);
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::with_capacity(HEADER_LEN);
    let mut reader = file.take(HEADER_LEN as u64);
    reader.read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() < MAGIC.len() || bytes[..MAGIC.len()] != MAGIC {
        return Err(ModelFileError::NotAModel.into());
    }
    if bytes.len() < HEADER_LEN {
        return Err(ModelFileError::Truncated {
            expected: HEADER_LEN as u64,
            actual: bytes.len() as u64,
        }
        .into());
    }
    let len = u64::from_le_bytes(bytes[12..20].try_into().expect("8 bytes"));
    if len > MAX_MODEL_BYTES {
        return Err(ModelFileError::TooLarge {
            size: len,
            limit: MAX_MODEL_BYTES,
        }
        .into());
    }
    // One byte more than declared, so that trailing bytes are seen and named.
    let mut reader = reader.into_inner().take(len + 1);
    bytes.reserve_exact(len as usize + 1);
    reader.read_to_end(&mut bytes).map_err(io)?;
    Ok(bytes)
}

/// Reads a classifier from a file (see [`read_file`]).
pub fn load_model(path: &Path) -> Result<Classifier> {
    read_model(&read_file(path)?)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::LabeledRecord;
    use crate::ScoreScratch;

    /// Loading the embedded model skips its checksum (see `verified_payload`); this is where
    /// the checksum is verified instead: on a copy, which is not the embedded memory and so
    /// is hashed in full like any file, and which must load to the same model.
    #[test]
    fn the_embedded_model_passes_its_checksum() {
        assert!(is_embedded(DEFAULT_MODEL));
        let copy = DEFAULT_MODEL.to_vec();
        assert!(!is_embedded(&copy));
        verified_payload(&copy).expect("the embedded model's checksum");
        assert_eq!(checksum(&copy).unwrap(), checksum(DEFAULT_MODEL).unwrap());
        let (a, b) = (
            read_model(&copy).unwrap(),
            Classifier::default_model().unwrap(),
        );
        assert_eq!(write_model(&a).unwrap(), write_model(&b).unwrap());
        // A damaged copy is still refused.
        let mut damaged = copy;
        let last = damaged.len() - 1;
        damaged[last] ^= 1;
        assert!(matches!(
            verified_payload(&damaged),
            Err(ModelFileError::ChecksumMismatch { .. })
        ));
    }

    /// Six labelled records, one or two per class, shared by the unit and property tests.
    pub(super) fn tiny_data() -> Vec<LabeledRecord> {
        let rec = |t: &str, l: &str| LabeledRecord {
            id: t.into(),
            text: t.into(),
            label: l.into(),
            source: None,
            slice: None,
            group: None,
            writer: None,
            language: None,
        };
        vec![
            rec("send monero to the brothers at the front", "appeal"),
            rec("donate bitcoin for the fighters now", "appeal"),
            rec("glory to the martyrs of the caliphate", "propaganda"),
            rec(
                "police say the suspect sent bitcoin to fighters",
                "reporting",
            ),
            rec("our mosque collects zakat for families", "benign"),
            rec("the football match was great", "benign"),
        ]
    }

    fn tiny() -> Classifier {
        let data = tiny_data();
        let mut c = TrainConfig::default();
        c.features.min_df = 1.into();
        c.description = "tiny test model".into();
        c.check().unwrap().fit(&data).unwrap()
    }

    fn model_error(bytes: &[u8]) -> ModelFileError {
        match read_model(bytes).unwrap_err().into_kind() {
            crate::ErrorKind::ModelFile(e) => e,
            other => panic!("expected a model-file error, got {other:?}"),
        }
    }

    #[test]
    fn round_trip_preserves_every_part_and_every_score() {
        let model = tiny();
        let bytes = write_model(&model).unwrap();
        let back = read_model(&bytes).unwrap();
        assert_eq!(back.classes(), model.classes());
        assert_eq!(back.review_policy(), model.review_policy());
        assert_eq!(back.config(), model.config());
        assert_eq!(back.meta(), model.meta());
        assert_eq!(back.vectorizer(), model.vectorizer());
        assert_eq!(back.logistic(), model.logistic());
        let (mut s1, mut s2) = (ScoreScratch::default(), ScoreScratch::default());
        for text in [
            "send monero",
            "the match",
            "",
            "zakat for the fighters at the front",
        ] {
            assert_eq!(
                model.score(text, &mut s1, true),
                back.score(text, &mut s2, true)
            );
        }
        assert_eq!(
            write_model(&back).unwrap(),
            bytes,
            "re-serialising is byte-identical"
        );
        let header = read_header(&bytes).unwrap();
        assert_eq!(header.meta.description, "tiny test model");
        assert_eq!(checksum(&bytes).unwrap().len(), 64);
    }

    /// `open_model` gives what `read_model`, `checksum` and `format_version` give, from one
    /// verifying pass; and it refuses what they refuse.
    #[test]
    fn open_model_agrees_with_read_model_and_checksum() {
        let bytes = write_model(&tiny()).unwrap();
        let opened = open_model(&bytes).unwrap();
        assert_eq!(opened.sha256, checksum(&bytes).unwrap());
        assert_eq!(opened.format_version, format_version(&bytes).unwrap());
        assert_eq!(opened.format_version, FORMAT_VERSION);
        assert_eq!(write_model(&opened.model).unwrap(), bytes);
        // The stored checksum is the verified one, read without hashing: a damaged payload
        // still shows it (only verification notices), a damaged envelope does not.
        assert_eq!(stored_checksum(&bytes).unwrap(), opened.sha256);
        let mut damaged = bytes;
        let last = damaged.len() - 1;
        damaged[last] ^= 1;
        assert!(matches!(
            open_model(&damaged).unwrap_err().into_kind(),
            crate::ErrorKind::ModelFile(ModelFileError::ChecksumMismatch { .. })
        ));
        assert_eq!(stored_checksum(&damaged).unwrap(), opened.sha256);
        assert!(stored_checksum(&damaged[..30]).is_err());
        assert!(stored_checksum(b"not a model file at all").is_err());
        // The embedded model's whole-file hash is cached, and is the hash of its bytes.
        let embedded = file_checksum(DEFAULT_MODEL);
        let copy = DEFAULT_MODEL.to_vec(); // not the embedded memory: hashed, not cached
        assert_eq!(embedded, file_checksum(&copy));
        assert_eq!(embedded, file_checksum(DEFAULT_MODEL));
    }

    #[test]
    fn other_version_truncated_tampered_and_trailing_files_are_named() {
        let bytes = write_model(&tiny()).unwrap();
        let mut v3 = bytes.clone();
        v3[8..12].copy_from_slice(&3u32.to_le_bytes());
        assert_eq!(
            model_error(&v3),
            ModelFileError::UnsupportedVersion {
                found: 3,
                supported: 2
            }
        );
        assert!(matches!(
            model_error(&bytes[..bytes.len() - 10]),
            ModelFileError::Truncated { .. }
        ));
        assert!(matches!(
            model_error(&bytes[..30]),
            ModelFileError::Truncated { .. }
        ));
        let mut tampered = bytes.clone();
        let mid = HEADER_LEN + (bytes.len() - HEADER_LEN) / 2;
        tampered[mid] ^= 0x01;
        assert!(matches!(
            model_error(&tampered),
            ModelFileError::ChecksumMismatch { .. }
        ));
        let mut trailing = bytes.clone();
        trailing.extend_from_slice(b"xx");
        assert_eq!(model_error(&trailing), ModelFileError::TrailingBytes(2));
        let mut huge = bytes.clone();
        huge[12..20].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(matches!(
            model_error(&huge),
            ModelFileError::TooLarge { .. }
        ));
        assert_eq!(model_error(b"GIF89a..."), ModelFileError::NotAModel);
        assert_eq!(model_error(b""), ModelFileError::NoDefaultModel);
        let msg = read_model(&v3).unwrap_err().to_string();
        assert!(msg.contains("version 3"), "{msg}");
        // The format version comes from the fixed header, which is checked the same way.
        assert!(format_version(&v3).is_err());
        assert!(format_version(&bytes[..30]).is_err());
        assert!(format_version(b"GIF89a...").is_err());
        assert_eq!(format_version(&bytes).unwrap(), FORMAT_VERSION);
    }

    #[test]
    fn a_payload_with_a_valid_checksum_but_inconsistent_sections_is_rejected() {
        let model = tiny();
        let mut broken = model.clone();
        broken.classes.pop();
        // Bypass from_parts: write a file whose class list disagrees with the weights.
        let bytes = write_model(&broken).unwrap();
        assert!(matches!(model_error(&bytes), ModelFileError::Invalid(_)));
        // Garbage payload with a correct checksum.
        let body = b"\xff\xff\xff\xff garbage".to_vec();
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&MAGIC);
        bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        bytes.extend_from_slice(&(body.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&Sha256::digest(&body));
        bytes.extend_from_slice(&body);
        assert!(matches!(model_error(&bytes), ModelFileError::Decode(_)));
        assert_eq!(seal(&body), bytes);
    }

    #[test]
    fn an_oversized_file_is_refused_before_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge.rfm");
        // A header that declares a payload over the limit, then a sparse file (no disk
        // space): load_model must refuse it from the header, without reading on.
        let mut header = MAGIC.to_vec();
        header.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        header.extend_from_slice(&(MAX_MODEL_BYTES + 1).to_le_bytes());
        header.extend_from_slice(&[0; 32]);
        std::fs::write(&path, &header).unwrap();
        let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        f.set_len(MAX_MODEL_BYTES + HEADER_LEN as u64 + 1).unwrap();
        let err = load_model(&path).unwrap_err();
        assert!(
            matches!(
                err.kind(),
                crate::ErrorKind::ModelFile(ModelFileError::TooLarge { .. })
            ),
            "{err}"
        );
        assert!(
            err.to_string()
                .contains("more than the 1073741824-byte limit"),
            "{err}"
        );
    }

    /// Hostile payloads behind a valid checksum: a length prefix claiming billions of
    /// elements must fail on the missing bytes, not allocate them; an analyser setting
    /// that would make every word expensive, and an over-long vocabulary term, are refused.
    #[test]
    fn hostile_sealed_payloads_are_refused_without_huge_allocations() {
        // header_json claims a string of 2^63 bytes.
        let huge_len = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f];
        assert!(matches!(
            model_error(&seal(&huge_len)),
            ModelFileError::Decode(_)
        ));
        let model = tiny();
        let payload = |header_json: String, vocabulary: &Vocabulary| {
            seal_version(
                1,
                &postcard::to_stdvec(&Payload {
                    header_json,
                    vocabulary: vocabulary.into(),
                    tfidf: model.vectorizer.tfidf().clone(),
                    logistic: model.logistic.clone(),
                })
                .unwrap(),
            )
        };
        let header = |m: &Classifier| {
            serde_json::to_value(ModelHeader {
                format: "redflag-model".into(),
                classes: m.classes.clone(),
                review: m.review.clone(),
                calibration: m.calibration,
                config: m.config.clone(),
                meta: m.meta.clone(),
            })
            .unwrap()
        };
        let vocabulary = model.vectorizer.vocabulary().clone();
        // Sanity: the honest parts load.
        assert!(read_model(&payload(header(&model).to_string(), &vocabulary)).is_ok());
        let mut h = header(&model);
        h["config"]["analyzer"]["max_token_bytes"] = serde_json::json!(1u64 << 40);
        let err = model_error(&payload(h.to_string(), &vocabulary));
        assert!(err.to_string().contains("max_token_bytes"), "{err}");
        // A term over the limit, smuggled in through the serialised form.
        let mut terms: Vec<String> = (0..vocabulary.len())
            .map(|i| vocabulary.term(i).unwrap().to_string())
            .collect();
        terms[0] = "x".repeat(crate::features::MAX_TERM_BYTES + 1);
        let body = postcard::to_stdvec(&(
            header(&model).to_string(),
            (terms, vec![1u64; vocabulary.len()]),
            model.vectorizer.tfidf().clone(),
            model.logistic.clone(),
        ))
        .unwrap();
        let err = model_error(&seal_version(1, &body));
        assert!(err.to_string().contains("more than the limit"), "{err}");
    }

    /// Version 1 files (redflag 0.1) still load, to the same model as version 2.
    #[test]
    fn a_version_1_file_loads_to_the_same_model() {
        let model = tiny();
        let header = ModelHeader {
            format: "redflag-model".into(),
            classes: model.classes.clone(),
            review: model.review.clone(),
            calibration: model.calibration,
            config: model.config.clone(),
            meta: model.meta.clone(),
        };
        let v1 = seal_version(
            1,
            &postcard::to_stdvec(&Payload {
                header_json: serde_json::to_string_pretty(&header).unwrap(),
                vocabulary: model.vectorizer.vocabulary().into(),
                tfidf: model.vectorizer.tfidf().clone(),
                logistic: model.logistic.clone(),
            })
            .unwrap(),
        );
        assert_eq!(format_version(&v1).unwrap(), 1);
        assert_eq!(open_model(&v1).unwrap().format_version, 1);
        assert_eq!(read_header(&v1).unwrap(), header);
        let back = read_model(&v1).unwrap();
        let v2 = write_model(&back).unwrap();
        assert_eq!(format_version(&v2).unwrap(), 2);
        assert_eq!(v2, write_model(&model).unwrap());
    }

    /// A version-2 file rebuilt from `model` with `edit` applied to its layout and data
    /// area, sealed with a correct checksum.
    fn v2_with(model: &Classifier, edit: impl FnOnce(&mut Layout, &mut Vec<u8>)) -> Vec<u8> {
        let bytes = write_model(model).unwrap();
        let (mut layout, area) = layout(&bytes).unwrap();
        let mut data = bytes[area.data_start..].to_vec();
        edit(&mut layout, &mut data);
        let meta = postcard::to_stdvec(&layout).unwrap();
        let mut payload = (meta.len() as u64).to_le_bytes().to_vec();
        payload.extend_from_slice(&meta);
        payload.resize(data_start(meta.len()) - HEADER_LEN, 0);
        payload.extend_from_slice(&data);
        seal(&payload)
    }

    /// The arrays of a version-2 file are checked like the rest: a section outside the
    /// file, a length that is not whole values, text that is not UTF-8, term ends past the
    /// text, hashes out of order or not their terms', a weight count that does not match.
    #[test]
    fn hostile_version_2_arrays_are_refused_by_name() {
        let model = tiny();
        let unchanged = v2_with(&model, |_, _| {});
        assert_eq!(unchanged, write_model(&model).unwrap());
        let msg = |bytes: Vec<u8>| model_error(&bytes).to_string();
        let m = msg(v2_with(&model, |l, _| l.weights.offset = u64::MAX - 3));
        assert!(m.contains("the weights lie outside the file"), "{m}");
        let m = msg(v2_with(&model, |l, _| l.df.len -= 3));
        assert!(m.contains("not a whole number of 4-byte values"), "{m}");
        let m = msg(v2_with(&model, |l, d| {
            d[l.term_text.offset as usize] = 0xff;
        }));
        assert!(m.contains("term texts are not UTF-8"), "{m}");
        let m = msg(v2_with(&model, |l, d| {
            let o = l.term_ends.offset as usize;
            d[o..o + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        }));
        assert!(m.contains("term 0 does not end inside the text"), "{m}");
        let m = msg(v2_with(&model, |l, d| {
            let o = l.keys.offset as usize;
            d[o..o + 8].copy_from_slice(&u64::MAX.to_le_bytes());
        }));
        assert!(m.contains("out of order"), "{m}");
        let m = msg(v2_with(&model, |l, d| {
            let o = l.keys.offset as usize;
            d[o..o + 8].copy_from_slice(&0u64.to_le_bytes());
        }));
        assert!(m.contains("is not its term's"), "{m}");
        let m = msg(v2_with(&model, |l, _| l.n_features += 1));
        assert!(m.contains("weights for"), "{m}");
        let m = msg(v2_with(&model, |l, d| {
            d.truncate(l.weights.offset as usize);
        }));
        assert!(m.contains("outside the file"), "{m}");
        let m = msg(v2_with(&model, |l, _| l.starts.len -= 4));
        assert!(m.contains("start table is not one"), "{m}");
        let m = msg(v2_with(&model, |l, d| {
            let o = l.starts.offset as usize + 4;
            d[o..o + 4].copy_from_slice(&0u32.to_le_bytes());
        }));
        assert!(m.contains("start table"), "{m}");
        let m = msg(v2_with(&model, |l, _| l.columns = Some(l.term_ends)));
        assert!(m.contains("is out of range or repeated"), "{m}");
    }
}

#[cfg(test)]
mod properties {
    use std::sync::OnceLock;

    use proptest::prelude::*;

    use super::*;
    use crate::ScoreScratch;

    fn models() -> &'static (Classifier, Classifier) {
        static MODELS: OnceLock<(Classifier, Classifier)> = OnceLock::new();
        MODELS.get_or_init(|| {
            let data = super::tests::tiny_data();
            let mut c = TrainConfig::default();
            c.features.min_df = 1.into();
            c.analyzer.char_ngrams = Some(crate::text::NgramRange { min: 3, max: 5 });
            c.review.validation_fraction = 0.0;
            let model = c.check().unwrap().fit(&data).unwrap();
            let loaded = read_model(&write_model(&model).unwrap()).unwrap();
            (model, loaded)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(crate::test_cases(300)))]

        #[test]
        fn scores_are_finite_sum_to_one_and_survive_save_and_load(text in any::<String>()) {
            let (model, loaded) = models();
            let (mut s1, mut s2) = (ScoreScratch::default(), ScoreScratch::default());
            let p = model.score(&text, &mut s1, true);
            prop_assert!(p.probabilities.iter().all(|x| x.is_finite() && *x >= 0.0));
            prop_assert!((p.probabilities.iter().sum::<f64>() - 1.0).abs() < 1e-9);
            for r in &p.reasons {
                for s in &r.spans {
                    prop_assert!(s.end <= text.len() && text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
                }
            }
            prop_assert_eq!(&loaded.score(&text, &mut s2, true), &p);
        }

        #[test]
        fn a_score_does_not_depend_on_what_was_scored_before(a in any::<String>(), b in any::<String>()) {
            let (model, _) = models();
            let mut fresh = ScoreScratch::default();
            let alone = model.score(&b, &mut fresh, true);
            let mut used = ScoreScratch::default();
            let _ = model.score(&a, &mut used, true);
            prop_assert_eq!(model.score(&b, &mut used, true), alone);
        }

        #[test]
        fn scores_do_not_depend_on_input_order_or_thread_count(
            texts in prop::collection::vec(any::<String>(), 1..24),
            threads in 1usize..4,
        ) {
            use rayon::prelude::*;
            let (model, _) = models();
            let mut scratch = ScoreScratch::default();
            let in_order: Vec<_> = texts.iter().map(|t| model.score(t, &mut scratch, true)).collect();
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let reversed: Vec<_> = pool.install(|| {
                texts
                    .par_iter()
                    .rev()
                    .map_init(ScoreScratch::default, |s, t| model.score(t, s, true))
                    .collect()
            });
            for (i, p) in reversed.iter().rev().enumerate() {
                prop_assert_eq!(p, &in_order[i]);
            }
        }
    }
}
