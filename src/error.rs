//! Errors: one opaque [`Error`] over an [`ErrorKind`], carrying the record position when a
//! problem belongs to one input record.
//!
//! Modelled on the csv crate: `Error(Box<ErrorKind>)` keeps `Result<T, Error>` one pointer
//! wide, and [`Error::position`] tells a caller which file, record and line went wrong.
//!
//! ```
//! use redflag::{Error, Position};
//!
//! let err = Error::record(Position::new(Some("in.jsonl".into()), 3, 3), "no `text` field");
//! assert_eq!(err.position().unwrap().line, 3);
//! assert_eq!(err.to_string(), "in.jsonl: record 3 (line 3): no `text` field");
//! ```

use std::fmt;
use std::path::PathBuf;

use crate::features::FeatureError;
use crate::model::logistic::LogisticError;
use crate::text::ConfigError as AnalyzerConfigError;

/// Where an input record came from: file (if any), 1-based record number and 1-based line.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Position {
    /// Input name as the user gave it (`-` for standard input); `None` for in-memory data.
    pub source: Option<String>,
    /// 1-based record number within the input (header lines are not records).
    pub record: u64,
    /// 1-based line number where the record starts.
    pub line: u64,
}

impl Position {
    /// A position in `source` (or in memory when `None`).
    pub fn new(source: Option<String>, record: u64, line: u64) -> Self {
        Position {
            source,
            record,
            line,
        }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(s) = &self.source {
            write!(f, "{s}: ")?;
        }
        write!(f, "record {} (line {})", self.record, self.line)
    }
}

/// The error type of every fallible redflag operation.
#[derive(Debug)]
pub struct Error(Box<ErrorKind>);

/// What went wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "<stream>".into()))]
    Io {
        /// The file, when known.
        path: Option<PathBuf>,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// One input record is unusable (malformed JSON, missing text, unknown label, ...).
    #[error("{position}: {problem}")]
    Record {
        /// Where the record is.
        position: Position,
        /// What is wrong with it, in words a user can act on.
        problem: String,
    },
    /// An input cannot be read as its format (not a Parquet file, a column missing, ...).
    #[error("{input}: {problem}")]
    Input {
        /// The input, as named on the command line.
        input: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A configuration value is invalid (the message names the field).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The analyser configuration is invalid.
    #[error("invalid analyser configuration: {0}")]
    Analyzer(#[from] AnalyzerConfigError),
    /// Building features failed.
    #[error(transparent)]
    Features(#[from] FeatureError),
    /// Training or applying the logistic model failed.
    #[error(transparent)]
    Logistic(#[from] LogisticError),
    /// A model file is unreadable, of another version, truncated or tampered with.
    #[error(transparent)]
    ModelFile(#[from] ModelFileError),
    /// The training data cannot train a model (e.g. fewer than two classes).
    #[error("training data: {0}")]
    Data(String),
}

impl Error {
    /// The kind of error.
    pub fn kind(&self) -> &ErrorKind {
        &self.0
    }

    /// Consumes the error, returning its kind.
    pub fn into_kind(self) -> ErrorKind {
        *self.0
    }

    /// The record position, when the error belongs to one input record.
    pub fn position(&self) -> Option<&Position> {
        match &*self.0 {
            ErrorKind::Record { position, .. } => Some(position),
            _ => None,
        }
    }

    /// An error about one record.
    pub fn record(position: Position, problem: impl Into<String>) -> Self {
        ErrorKind::Record {
            position,
            problem: problem.into(),
        }
        .into()
    }

    /// An I/O error on `path`.
    pub fn io(path: Option<PathBuf>, source: std::io::Error) -> Self {
        ErrorKind::Io { path, source }.into()
    }

    /// An input that cannot be read as its format.
    pub fn input(input: impl Into<String>, problem: impl Into<String>) -> Self {
        ErrorKind::Input {
            input: input.into(),
            problem: problem.into(),
        }
        .into()
    }

    /// An invalid configuration value.
    pub fn config(message: impl Into<String>) -> Self {
        ErrorKind::Config(message.into()).into()
    }

    /// Training data that cannot train a model.
    pub fn data(message: impl Into<String>) -> Self {
        ErrorKind::Data(message.into()).into()
    }

    /// True when this is an I/O error of kind `BrokenPipe` (the reader went away).
    pub fn is_broken_pipe(&self) -> bool {
        matches!(&*self.0, ErrorKind::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&*self.0)
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error(Box::new(kind))
    }
}

macro_rules! from_source {
    ($($t:ty),*) => {$(
        impl From<$t> for Error {
            fn from(e: $t) -> Self {
                ErrorKind::from(e).into()
            }
        }
    )*};
}
from_source!(
    AnalyzerConfigError,
    FeatureError,
    LogisticError,
    ModelFileError
);

/// `Result` with redflag's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a model file cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ModelFileError {
    /// The file does not start with redflag's magic bytes.
    #[error("not a redflag model file (wrong magic bytes)")]
    NotAModel,
    /// The file is of a format version this build cannot read.
    #[error("model format version {found} is not supported by this redflag (it reads versions 1 to {supported}); use a matching redflag release or retrain")]
    UnsupportedVersion {
        /// Version in the file.
        found: u32,
        /// The newest version this build reads.
        supported: u32,
    },
    /// The file is shorter than its header says.
    #[error("model file is truncated: {actual} bytes where the header promises {expected}")]
    Truncated {
        /// Bytes the header promises.
        expected: u64,
        /// Bytes present.
        actual: u64,
    },
    /// Bytes follow the payload.
    #[error("model file has {0} unexpected bytes after its payload")]
    TrailingBytes(u64),
    /// The payload does not match its checksum: the file was altered or damaged.
    #[error("model file checksum mismatch (expected {expected}, found {actual}): the file was altered or damaged")]
    ChecksumMismatch {
        /// Checksum stored in the header.
        expected: String,
        /// Checksum of the payload as read.
        actual: String,
    },
    /// The file is larger than [`crate::bundle::MAX_MODEL_BYTES`].
    #[error("model file is {size} bytes, more than the {limit}-byte limit")]
    TooLarge {
        /// Declared or actual size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The payload passed its checksum but does not decode.
    #[error("model file payload does not decode: {0}")]
    Decode(String),
    /// The sections decode but disagree with each other.
    #[error("model file is inconsistent: {0}")]
    Invalid(String),
    /// This binary was built without a default model.
    #[error("this redflag binary was built without an embedded default model (models/default.rfm was empty); pass --model FILE")]
    NoDefaultModel,
}
