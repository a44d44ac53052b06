//! `redflag._redflag`: the Python bindings of redflag. Every stage runs in the Rust library;
//! this module only moves texts in and results out. The Python package (`redflag/`) wraps
//! it with input conversion (pandas, NumPy) and the scikit-learn estimator.
//!
//! Texts are borrowed, not copied, wherever Python or Arrow hold them as UTF-8: `str`
//! objects through their UTF-8 form (in place for ASCII; CPython makes and caches it once
//! for other text), `bytes`, and Arrow string arrays through the Arrow C data interface. The GIL is released while texts are scored or a model is trained, and
//! batches run on a Rust thread pool. No panic crosses into Python: PyO3 turns one into a
//! `PanicException`, and every error redflag reports becomes a `RedflagError` subclass.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use arrow_array::{Array, ArrayRef, LargeStringArray, StringArray, StringViewArray};
use arrow_pyarrow::FromPyArrow;
use numpy::{PyArray1, PyArrayMethods};
use pyo3::exceptions::{PyException, PyOSError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};
use rayon::prelude::*;
use redflag::bundle::ModelHeader;
use redflag::io::{truncate_text, LabeledRecord, ReaderOptions};
use redflag::model::logistic::LogisticError;
use redflag::result::{InputFlags, ResultId, ScoreResult};
use redflag::train::TrainConfig;
use redflag::{Classifier, DataFile, ErrorKind, Prediction, ScoreScratch};
use sha2::{Digest, Sha256};

pyo3::create_exception!(
    _redflag,
    RedflagError,
    PyException,
    "Base class of the errors redflag raises."
);
pyo3::create_exception!(
    _redflag,
    ModelFileError,
    RedflagError,
    "A model file is unreadable, of another format version, truncated or tampered with."
);
pyo3::create_exception!(
    _redflag,
    ConfigError,
    RedflagError,
    "A training configuration is invalid (the message names the field)."
);
pyo3::create_exception!(
    _redflag,
    DataError,
    RedflagError,
    "Labelled data cannot train or evaluate a model (the message names the record)."
);

/// A redflag error as the Python exception of its kind.
fn py_err(e: redflag::Error) -> PyErr {
    let message = e.to_string();
    py_err_kind(e, message)
}

/// [`py_err`], the message starting with the name of the file it is about (I/O errors
/// name it already).
fn py_err_in(e: redflag::Error, name: &str) -> PyErr {
    let message = match e.kind() {
        ErrorKind::Io { .. } => e.to_string(),
        _ => format!("{name}: {e}"),
    };
    py_err_kind(e, message)
}

fn py_err_kind(e: redflag::Error, message: String) -> PyErr {
    match e.kind() {
        ErrorKind::ModelFile(_) => ModelFileError::new_err(message),
        ErrorKind::Config(_)
        | ErrorKind::Analyzer(_)
        | ErrorKind::Logistic(
            LogisticError::InvalidAlpha(_)
            | LogisticError::InvalidGradientTolerance(_)
            | LogisticError::ZeroMaxIterations
            | LogisticError::InvalidClassWeights(_),
        ) => ConfigError::new_err(message),
        ErrorKind::Data(_) | ErrorKind::Record { .. } | ErrorKind::Features(_) => {
            DataError::new_err(message)
        }
        ErrorKind::Io { .. } => PyOSError::new_err(message),
        _ => RedflagError::new_err(message),
    }
}

/// What keeps borrowed texts alive: the Python objects, or the imported Arrow arrays.
enum Holder<'py> {
    Python(Vec<Bound<'py, PyAny>>),
    Arrow(Vec<ArrayRef>),
}

/// The texts of `obj`: a list or tuple of `str` (or UTF-8 `bytes`), an Arrow string array
/// (anything with `__arrow_c_array__`, such as a pyarrow `Array`), or a list of Arrow
/// arrays (the chunks of a pyarrow `ChunkedArray`, see `redflag._texts`).
fn hold<'py>(obj: &Bound<'py, PyAny>, what: &str) -> PyResult<Holder<'py>> {
    if let Ok(list) = obj.cast::<PyList>() {
        let items: Vec<Bound<'py, PyAny>> = list.iter().collect();
        if !items.is_empty() && items.iter().all(is_arrow) {
            return arrow_chunks(&items, what);
        }
        return Ok(Holder::Python(items));
    }
    if let Ok(tuple) = obj.cast::<PyTuple>() {
        return Ok(Holder::Python(tuple.iter().collect()));
    }
    if is_arrow(obj) {
        return arrow_chunks(std::slice::from_ref(obj), what);
    }
    Err(PyTypeError::new_err(format!(
        "{what}: expected a list of str, a pyarrow string array, a NumPy array or a pandas Series, got {}",
        type_name(obj)
    )))
}

fn is_arrow(obj: &Bound<'_, PyAny>) -> bool {
    obj.hasattr("__arrow_c_array__").unwrap_or(false)
}

fn arrow_chunks<'py>(chunks: &[Bound<'py, PyAny>], what: &str) -> PyResult<Holder<'py>> {
    let mut arrays = Vec::with_capacity(chunks.len());
    for chunk in chunks {
        let data = arrow_data::ArrayData::from_pyarrow_bound(chunk)?;
        arrays.push(arrow_array::make_array(data));
    }
    for a in &arrays {
        use arrow_schema::DataType;
        if !matches!(
            a.data_type(),
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
        ) {
            return Err(PyTypeError::new_err(format!(
                "{what}: expected an Arrow string array, got one of type {}",
                a.data_type()
            )));
        }
    }
    Ok(Holder::Arrow(arrays))
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into())
}

/// Borrows every text of `holder`; an item that is not a string is an error naming its
/// index.
fn borrow<'a>(holder: &'a Holder<'_>, what: &str) -> PyResult<Vec<&'a str>> {
    match holder {
        Holder::Python(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                if let Ok(s) = item.cast::<PyString>() {
                    return s.to_str().map_err(|_| {
                        PyValueError::new_err(format!(
                            "{what}[{i}]: the str cannot be encoded as UTF-8 (it holds a lone surrogate)"
                        ))
                    });
                }
                if let Ok(b) = item.cast::<PyBytes>() {
                    return std::str::from_utf8(b.as_bytes()).map_err(|e| {
                        PyValueError::new_err(format!("{what}[{i}]: the bytes are not valid UTF-8: {e}"))
                    });
                }
                Err(PyTypeError::new_err(format!(
                    "{what}[{i}]: expected str, got {}",
                    if item.is_none() { "None".to_string() } else { type_name(item) }
                )))
            })
            .collect(),
        Holder::Arrow(arrays) => {
            let mut out = Vec::with_capacity(arrays.iter().map(|a| a.len()).sum());
            for a in arrays {
                let at = out.len();
                if let Some(i) = (0..a.len()).find(|&i| a.is_null(i)) {
                    return Err(PyTypeError::new_err(format!(
                        "{what}[{}]: expected str, got null",
                        at + i
                    )));
                }
                let any = a.as_any();
                if let Some(s) = any.downcast_ref::<StringArray>() {
                    out.extend(s.iter().flatten());
                } else if let Some(s) = any.downcast_ref::<LargeStringArray>() {
                    out.extend(s.iter().flatten());
                } else if let Some(s) = any.downcast_ref::<StringViewArray>() {
                    out.extend(s.iter().flatten());
                }
            }
            Ok(out)
        }
    }
}

/// One Rust thread pool per requested size, kept for the process.
fn pool(threads: Option<usize>) -> PyResult<Option<Arc<rayon::ThreadPool>>> {
    static POOLS: OnceLock<Mutex<HashMap<usize, Arc<rayon::ThreadPool>>>> = OnceLock::new();
    let Some(n) = threads.filter(|&n| n > 0) else {
        return Ok(None);
    };
    let mut pools = POOLS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(p) = pools.get(&n) {
        return Ok(Some(p.clone()));
    }
    let p = rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .map_err(|e| RedflagError::new_err(format!("cannot start {n} worker threads: {e}")))?;
    let p = Arc::new(p);
    pools.insert(n, p.clone());
    Ok(Some(p))
}

/// Runs `f` on the pool of `threads` workers (the global pool, one thread per core, when
/// `None` or 0).
fn on_pool<T: Send>(threads: Option<usize>, f: impl FnOnce() -> T + Send) -> PyResult<T> {
    Ok(match pool(threads)? {
        Some(p) => p.install(f),
        None => f(),
    })
}

/// A model: analyser, vocabulary, weights, calibration and review thresholds, from one
/// model file. Immutable and safe to share between threads.
#[pyclass(module = "redflag._redflag", name = "Model", frozen)]
struct Model {
    inner: Arc<Classifier>,
    /// How reports name the model (its path, or `<embedded default model>`).
    shown: String,
    /// The SHA-256 of the model file's payload, as `redflag inspect` shows it.
    sha256: String,
    /// The SHA-256 of the whole file, and its size.
    file_sha256: String,
    bytes: usize,
    /// The model file's format version.
    format_version: u32,
}

impl Model {
    /// A model from a model file's bytes, verified once (the embedded model's whole-file
    /// hash is computed once per process, see `bundle::file_checksum`).
    fn from_model_bytes(bytes: &[u8], shown: String) -> redflag::Result<Self> {
        let opened = redflag::bundle::open_model(bytes)?;
        Ok(Model {
            inner: Arc::new(opened.model),
            shown,
            sha256: opened.sha256,
            file_sha256: redflag::bundle::file_checksum(bytes),
            bytes: bytes.len(),
            format_version: opened.format_version,
        })
    }

    /// A model just fitted, with the checksums of the file `bytes` written for it.
    fn fitted(inner: Classifier, bytes: &[u8], shown: String) -> PyResult<Self> {
        Ok(Model {
            inner: Arc::new(inner),
            shown,
            // The bytes were written by this process just now: no need to hash them again.
            sha256: redflag::bundle::stored_checksum(bytes).map_err(py_err)?,
            file_sha256: redflag::bundle::file_checksum(bytes),
            bytes: bytes.len(),
            format_version: redflag::bundle::format_version(bytes).map_err(py_err)?,
        })
    }

    /// Scores `texts` with the GIL released: each prediction and whether its text was cut
    /// to the reader's byte limit (as `redflag score` cuts it, with the warning
    /// `truncated`).
    fn predictions(
        &self,
        py: Python<'_>,
        texts: &Bound<'_, PyAny>,
        reasons: usize,
        threads: Option<usize>,
    ) -> PyResult<Vec<(Prediction, bool)>> {
        let holder = hold(texts, "texts")?;
        let texts = borrow(&holder, "texts")?;
        let model = &*self.inner;
        let options = ReaderOptions::default();
        py.detach(|| {
            on_pool(threads, || {
                texts
                    .par_iter()
                    .map_init(ScoreScratch::default, |scratch, text| {
                        let (text, truncated) = truncate_text(text, &options);
                        (model.score_explained(text, scratch, reasons), truncated)
                    })
                    .collect()
            })
        })
    }
}

/// A result as a dict, key for key what `redflag score` writes for it (the same order, the
/// same optional keys; a test compares them), built directly rather than through serde:
/// this loop runs under the GIL, once per result.
fn result_dict<'py>(py: Python<'py>, r: &ScoreResult<'_>) -> PyResult<Bound<'py, PyDict>> {
    use pyo3::intern;
    let d = PyDict::new(py);
    match r.id {
        ResultId::Position(n) => d.set_item(intern!(py, "id"), n)?,
        ResultId::Given(serde_json::Value::String(s)) => d.set_item(intern!(py, "id"), s)?,
        ResultId::Given(v) => match v.as_i64() {
            Some(n) => d.set_item(intern!(py, "id"), n)?,
            None => d.set_item(intern!(py, "id"), pythonize::pythonize(py, v)?)?,
        },
    }
    if let Some(input) = r.input {
        d.set_item(intern!(py, "input"), input)?;
    }
    d.set_item(intern!(py, "lang"), r.lang)?;
    d.set_item(intern!(py, "label"), r.label)?;
    let scores = PyDict::new(py);
    for (class, p) in r.scores.0.iter().zip(r.scores.1) {
        scores.set_item(class, *p)?;
    }
    d.set_item(intern!(py, "scores"), scores)?;
    d.set_item(intern!(py, "review"), r.review)?;
    if let Some(explains) = r.explains {
        d.set_item(intern!(py, "explains"), explains)?;
    }
    if let Some(threshold) = r.threshold {
        d.set_item(intern!(py, "threshold"), threshold)?;
    }
    let reasons = PyList::empty(py);
    for reason in &r.reasons {
        let e = PyDict::new(py);
        e.set_item(intern!(py, "feature"), reason.feature)?;
        let kind = match reason.kind {
            redflag::model::ReasonKind::Word => intern!(py, "word"),
            redflag::model::ReasonKind::Phrase => intern!(py, "phrase"),
            redflag::model::ReasonKind::Signal => intern!(py, "signal"),
        };
        e.set_item(intern!(py, "kind"), kind)?;
        e.set_item(intern!(py, "weight"), reason.weight)?;
        let spans = PyList::empty(py);
        for span in &reason.spans {
            spans.append(PyList::new(py, [span.0, span.1])?)?;
        }
        e.set_item(intern!(py, "spans"), spans)?;
        reasons.append(e)?;
    }
    d.set_item(intern!(py, "reasons"), reasons)?;
    if !r.warnings.is_empty() {
        d.set_item(intern!(py, "warnings"), PyList::new(py, &r.warnings)?)?;
    }
    Ok(d)
}

/// A result id from Python: an int or a str (NumPy integers count as ints).
fn id_value(obj: &Bound<'_, PyAny>, i: usize) -> PyResult<serde_json::Value> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(serde_json::Value::String(s.to_str()?.to_string()));
    }
    if let Ok(n) = obj.extract::<i64>() {
        return Ok(n.into());
    }
    Err(PyTypeError::new_err(format!(
        "ids[{i}]: expected int or str, got {}",
        if obj.is_none() {
            "None".to_string()
        } else {
            type_name(obj)
        }
    )))
}

#[pymethods]
impl Model {
    /// The model embedded in redflag (the one `redflag score` uses without `--model`).
    #[staticmethod]
    fn default(py: Python<'_>) -> PyResult<Self> {
        py.detach(|| {
            Model::from_model_bytes(
                redflag::bundle::DEFAULT_MODEL,
                "<embedded default model>".into(),
            )
            .map_err(py_err)
        })
    }

    /// Reads a model file written by `redflag train` or `Model.save`.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let shown = path.display().to_string();
        py.detach(|| {
            let at = |e| py_err_in(e, &shown);
            let bytes = redflag::bundle::read_file(&path).map_err(at)?;
            Model::from_model_bytes(&bytes, shown.clone()).map_err(at)
        })
    }

    /// A model from a model file's bytes.
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        py.detach(|| Model::from_model_bytes(data, "<bytes>".into()).map_err(py_err))
    }

    /// The model file's bytes.
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = py.detach(|| redflag::bundle::write_model(&self.inner).map_err(py_err))?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Writes the model file (the same bytes `redflag train` writes for the same model).
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        py.detach(|| redflag::bundle::save_model(&self.inner, &path).map_err(py_err))
    }

    /// Class names, in score order.
    #[getter]
    fn classes(&self) -> Vec<String> {
        self.inner.classes().to_vec()
    }

    /// Review class → threshold.
    #[getter]
    fn thresholds<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for t in &self.inner.review_policy().thresholds {
            d.set_item(&t.class, t.threshold)?;
        }
        Ok(d)
    }

    /// A copy of the model with some review thresholds replaced (`{class: threshold}`), as
    /// `redflag score --threshold class=value` does.
    fn with_thresholds(&self, thresholds: HashMap<String, f64>) -> PyResult<Self> {
        let mut inner = (*self.inner).clone();
        let mut overrides: Vec<(String, f64)> = thresholds.into_iter().collect();
        overrides.sort_by(|a, b| a.0.cmp(&b.0));
        inner.set_thresholds(&overrides).map_err(py_err)?;
        Ok(Model {
            inner: Arc::new(inner),
            shown: self.shown.clone(),
            sha256: self.sha256.clone(),
            file_sha256: self.file_sha256.clone(),
            bytes: self.bytes,
            format_version: self.format_version,
        })
    }

    /// What `redflag inspect` prints for the model, as a dict: name, size, checksums and
    /// the header (classes, review thresholds, calibration, training configuration and the
    /// facts of training: data files, rows per class and language, validation figures).
    fn card<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let m = &*self.inner;
        let header = ModelHeader {
            format: "redflag-model".into(),
            classes: m.classes().to_vec(),
            review: m.review_policy().clone(),
            calibration: m.calibration(),
            config: m.config().clone(),
            meta: m.meta().clone(),
        };
        let card = serde_json::json!({
            "model": self.shown,
            "bytes": self.bytes,
            "format_version": self.format_version,
            "sha256": self.sha256,
            "file_sha256": self.file_sha256,
            "header": header,
        });
        Ok(pythonize::pythonize(py, &card)?)
    }

    /// Scores texts: one dict per text in the score contract of `redflag score` (`id`,
    /// `lang`, `label`, `scores`, `review`, `explains`, `threshold`, `reasons`, `warnings`).
    /// `id` is `ids[i]` when given, else the text's index.
    #[pyo3(signature = (texts, reasons=true, ids=None, threads=None))]
    fn score<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
        reasons: bool,
        ids: Option<&Bound<'py, PyAny>>,
        threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyList>> {
        let predictions = self.predictions(
            py,
            texts,
            if reasons { redflag::MAX_REASONS } else { 0 },
            threads,
        )?;
        let ids: Option<Vec<serde_json::Value>> = match ids {
            None => None,
            Some(ids) => {
                let ids: Vec<Bound<'py, PyAny>> = ids.try_iter()?.collect::<PyResult<_>>()?;
                if ids.len() != predictions.len() {
                    return Err(PyValueError::new_err(format!(
                        "ids: {} ids for {} texts",
                        ids.len(),
                        predictions.len()
                    )));
                }
                Some(
                    ids.iter()
                        .enumerate()
                        .map(|(i, v)| id_value(v, i))
                        .collect::<PyResult<_>>()?,
                )
            }
        };
        let out = PyList::empty(py);
        for (i, (p, truncated)) in predictions.iter().enumerate() {
            let id = match &ids {
                Some(ids) => ResultId::Given(&ids[i]),
                None => ResultId::Position(i as u64),
            };
            let flags = InputFlags {
                lossy_utf8: false,
                truncated: *truncated,
            };
            let result = ScoreResult::new(&self.inner, p, id, flags, reasons);
            out.append(result_dict(py, &result)?)?;
        }
        Ok(out)
    }

    /// Calibrated probabilities, a float64 array of shape (len(texts), len(classes)).
    #[pyo3(signature = (texts, threads=None))]
    fn predict_proba<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
        threads: Option<usize>,
    ) -> PyResult<Bound<'py, numpy::PyArray2<f64>>> {
        let predictions = self.predictions(py, texts, 0, threads)?;
        let k = self.inner.classes().len();
        let flat: Vec<f64> = predictions
            .iter()
            .flat_map(|(p, _)| p.probabilities.iter().copied())
            .collect();
        PyArray1::from_vec(py, flat).reshape([predictions.len(), k])
    }

    /// The most probable class of each text.
    #[pyo3(signature = (texts, threads=None))]
    fn predict(
        &self,
        py: Python<'_>,
        texts: &Bound<'_, PyAny>,
        threads: Option<usize>,
    ) -> PyResult<Vec<String>> {
        let classes = self.inner.classes();
        Ok(self
            .predictions(py, texts, 0, threads)?
            .iter()
            .map(|(p, _)| classes[p.label].clone())
            .collect())
    }

    /// Whether each text goes to review (a review class at or above its threshold), a bool
    /// array.
    #[pyo3(signature = (texts, threads=None))]
    fn review<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
        threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyArray1<bool>>> {
        let flags: Vec<bool> = self
            .predictions(py, texts, 0, threads)?
            .iter()
            .map(|(p, _)| p.review)
            .collect();
        Ok(PyArray1::from_vec(py, flags))
    }

    /// One text's result with its reasons (the dict `score` gives, with `id` 0).
    fn explain<'py>(
        &self,
        py: Python<'py>,
        text: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let list = PyList::new(py, [text])?;
        let results = self.score(py, list.as_any(), true, None, Some(1))?;
        results.get_item(0)
    }

    fn __repr__(&self) -> String {
        format!(
            "Model({}, classes={:?}, sha256={}…)",
            self.shown,
            self.inner.classes(),
            &self.sha256[..12.min(self.sha256.len())]
        )
    }
}

/// Labelled records from parallel text and label sequences (ids 1, 2, …, as a file without
/// ids gets), with the description of them a model or report records: `name`, the SHA-256
/// of their JSON Lines form (what `redflag.write_jsonl` writes) and their count.
fn labeled<'py>(
    texts: &Bound<'py, PyAny>,
    labels: &Bound<'py, PyAny>,
    name: &str,
    what: &str,
) -> PyResult<(Vec<LabeledRecord>, DataFile)> {
    let (mut records, file) = labeled_whole(texts, labels, name, what)?;
    // What a reader keeps of a long text (after hashing what was given, as a file's
    // checksum covers all its bytes).
    let options = ReaderOptions::default();
    for r in &mut records {
        let (kept, truncated) = truncate_text(&r.text, &options);
        if truncated {
            r.text = kept.to_string();
        }
    }
    Ok((records, file))
}

/// [`labeled`] without cutting long texts.
fn labeled_whole<'py>(
    texts: &Bound<'py, PyAny>,
    labels: &Bound<'py, PyAny>,
    name: &str,
    what: &str,
) -> PyResult<(Vec<LabeledRecord>, DataFile)> {
    let text_holder = hold(texts, &format!("{what}texts"))?;
    let texts = borrow(&text_holder, &format!("{what}texts"))?;
    let label_holder = hold(labels, &format!("{what}labels"))?;
    let labels = borrow(&label_holder, &format!("{what}labels"))?;
    if texts.len() != labels.len() {
        return Err(PyValueError::new_err(format!(
            "{what}texts and {what}labels differ in length ({} and {})",
            texts.len(),
            labels.len()
        )));
    }
    let mut records = Vec::with_capacity(texts.len());
    for (i, (text, label)) in texts.iter().zip(&labels).enumerate() {
        let label = label.trim();
        if label.is_empty() {
            return Err(DataError::new_err(format!(
                "{what}labels[{i}]: the label is empty"
            )));
        }
        records.push(LabeledRecord {
            id: (i + 1).to_string(),
            text: text.to_string(),
            label: label.to_string(),
            source: None,
            slice: None,
            group: None,
            writer: None,
            language: None,
        });
    }
    let file = DataFile {
        name: name.to_string(),
        sha256: jsonl_sha256(&records)?,
        records: records.len() as u64,
    };
    Ok((records, file))
}

fn jsonl_sha256(records: &[LabeledRecord]) -> PyResult<String> {
    let mut hasher = HashWriter(Sha256::new());
    redflag::io::write_labeled_jsonl(&mut hasher, records)
        .map_err(|e| RedflagError::new_err(e.to_string()))?;
    Ok(hasher
        .0
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

struct HashWriter(Sha256);

impl std::io::Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The JSON Lines form of labelled texts, as bytes: one `{"id", "text", "label"}` per line.
/// `redflag train --data` on a file of these bytes trains the same model, byte for byte,
/// as `train` on the texts and labels.
#[pyfunction]
fn jsonl<'py>(
    py: Python<'py>,
    texts: &Bound<'py, PyAny>,
    labels: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyBytes>> {
    let (records, _) = labeled_whole(texts, labels, "", "")?;
    let mut out = Vec::new();
    redflag::io::write_labeled_jsonl(&mut out, &records)
        .map_err(|e| RedflagError::new_err(e.to_string()))?;
    Ok(PyBytes::new(py, &out))
}

/// A training configuration from TOML text (a `--config` file's contents) or JSON text (a
/// dict's `json.dumps`); the default configuration when both are `None`.
fn config_from(toml: Option<&str>, json: Option<&str>) -> PyResult<TrainConfig> {
    match (toml, json) {
        (Some(t), _) => TrainConfig::from_toml(t).map_err(py_err),
        (None, Some(j)) => serde_json::from_str(j)
            .map_err(|e| ConfigError::new_err(format!("invalid configuration: {e}"))),
        (None, None) => Ok(TrainConfig::default()),
    }
}

/// Trains a model, exactly as `redflag train` does on the same records and configuration.
#[pyfunction]
#[pyo3(signature = (texts, labels, *, config_toml=None, config_json=None, description=None,
    validation_texts=None, validation_labels=None, data_name="<texts>",
    validation_name="<validation texts>", threads=None))]
#[allow(clippy::too_many_arguments)]
fn train<'py>(
    py: Python<'py>,
    texts: &Bound<'py, PyAny>,
    labels: &Bound<'py, PyAny>,
    config_toml: Option<&str>,
    config_json: Option<&str>,
    description: Option<String>,
    validation_texts: Option<&Bound<'py, PyAny>>,
    validation_labels: Option<&Bound<'py, PyAny>>,
    data_name: &str,
    validation_name: &str,
    threads: Option<usize>,
) -> PyResult<Model> {
    let mut config = config_from(config_toml, config_json)?;
    if let Some(d) = description {
        config.description = d;
    }
    let valid = config.check().map_err(py_err)?;
    let (data, file) = labeled(texts, labels, data_name, "")?;
    let mut files = vec![file];
    let validation = match (validation_texts, validation_labels) {
        (Some(t), Some(l)) => {
            let (records, file) = labeled(
                t,
                l,
                &format!("{validation_name} (validation)"),
                "validation ",
            )?;
            files.push(file);
            Some(records)
        }
        (None, None) => None,
        _ => {
            return Err(PyValueError::new_err(
                "validation: give both texts and labels, or neither",
            ))
        }
    };
    let model = py.detach(|| {
        on_pool(threads, || -> redflag::Result<Classifier> {
            let mut model = match &validation {
                Some(v) => valid.fit_with_validation(&data, v, validation_name)?,
                None => valid.fit(&data)?,
            };
            model.set_data_files(files);
            Ok(model)
        })
    })?;
    let model = model.map_err(py_err)?;
    let bytes = redflag::bundle::write_model(&model).map_err(py_err)?;
    // The fitted model as it is: its file's bytes give only the checksums.
    Model::fitted(model, &bytes, "<trained in Python>".into())
}

/// The report `redflag evaluate --json` writes, as a JSON string.
#[pyfunction]
#[pyo3(signature = (model, texts, labels, *, resamples=1000, seed=0x5eed, data_name="<texts>",
    slices=None, writers=None, threads=None))]
#[allow(clippy::too_many_arguments)]
fn evaluate<'py>(
    py: Python<'py>,
    model: &Model,
    texts: &Bound<'py, PyAny>,
    labels: &Bound<'py, PyAny>,
    resamples: usize,
    seed: u64,
    data_name: &str,
    slices: Option<&Bound<'py, PyAny>>,
    writers: Option<&Bound<'py, PyAny>>,
    threads: Option<usize>,
) -> PyResult<String> {
    let (mut records, _) = labeled(texts, labels, data_name, "")?;
    for (field, values) in [("slices", slices), ("writers", writers)] {
        let Some(values) = values else { continue };
        let holder = hold(values, field)?;
        let values = borrow(&holder, field)?;
        if values.len() != records.len() {
            return Err(PyValueError::new_err(format!(
                "{field}: {} values for {} texts",
                values.len(),
                records.len()
            )));
        }
        for (r, v) in records.iter_mut().zip(values) {
            let v = (!v.is_empty()).then(|| v.to_string());
            match field {
                "slices" => r.slice = v,
                _ => r.writer = v,
            }
        }
    }
    let info =
        redflag::eval::model_info(&model.shown, &model.sha256, &model.inner).map_err(py_err)?;
    let options = redflag::eval::EvalOptions {
        resamples,
        seed,
        ..Default::default()
    };
    let m = &*model.inner;
    let report = py.detach(|| {
        on_pool(threads, || -> redflag::Result<String> {
            let scored = redflag::eval::Scored::new(m, &records)?;
            let report = redflag::eval::evaluate(&scored, &options, info, vec![data_name.into()]);
            serde_json::to_string(&report)
                .map_err(|e| redflag::Error::config(format!("cannot write the report: {e}")))
        })
    })?;
    report.map_err(py_err)
}

#[pymodule]
fn _redflag(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Model>()?;
    m.add_function(wrap_pyfunction!(train, m)?)?;
    m.add_function(wrap_pyfunction!(evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(jsonl, m)?)?;
    m.add("RedflagError", m.py().get_type::<RedflagError>())?;
    m.add("ModelFileError", m.py().get_type::<ModelFileError>())?;
    m.add("ConfigError", m.py().get_type::<ConfigError>())?;
    m.add("DataError", m.py().get_type::<DataError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("MAX_TEXT_BYTES", ReaderOptions::default().max_text_bytes)?;
    Ok(())
}
