//! Record readers for JSON Lines, CSV and plain text.

use std::borrow::Cow;
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::Serialize;

use super::gzip::RatioLimit;
use super::line::read_bounded_line;
use crate::error::{Error, Position, Result};

/// The layout of an input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputFormat {
    /// One JSON object per line.
    JsonLines,
    /// CSV with a header row.
    Csv,
    /// One document per line; the line is the text.
    Text,
    /// Apache Parquet (a file, not a stream): read by [`ParquetRecords`](super::ParquetRecords).
    Parquet,
}

impl InputFormat {
    /// The format a file name implies (`.jsonl`, `.ndjson`, `.json`, `.csv`, `.tsv`, `.txt`,
    /// each optionally followed by `.gz`; `.parquet` or `.pq`), or `None`.
    pub fn from_path(path: &str) -> Option<InputFormat> {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".parquet") || lower.ends_with(".pq") {
            return Some(InputFormat::Parquet);
        }
        let name = lower.strip_suffix(".gz").unwrap_or(&lower);
        let ext = Path::new(name).extension()?.to_str()?;
        match ext {
            "jsonl" | "ndjson" | "json" => Some(InputFormat::JsonLines),
            "csv" | "tsv" => Some(InputFormat::Csv),
            "txt" | "text" => Some(InputFormat::Text),
            _ => None,
        }
    }

    /// Parses a user-facing name: `jsonl`, `csv`, `text` or `parquet`.
    pub fn parse(name: &str) -> Option<InputFormat> {
        match name {
            "parquet" | "pq" => Some(InputFormat::Parquet),
            "jsonl" | "json" | "ndjson" => Some(InputFormat::JsonLines),
            "csv" => Some(InputFormat::Csv),
            "text" | "txt" => Some(InputFormat::Text),
            _ => None,
        }
    }
}

/// Which fields (JSON keys or CSV columns) hold what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fields {
    /// The document text (required).
    pub text: String,
    /// The record id (optional; the 1-based record number is used when absent).
    pub id: String,
    /// The class label (required for training and evaluation).
    pub label: String,
    /// Where the record came from (optional).
    pub source: String,
    /// A finer category (optional).
    pub slice: String,
    /// The grouping key for splits (optional).
    pub group: String,
    /// Who wrote the record (optional; project-written data records its writer, so that
    /// evaluation can leave one writer out).
    pub writer: String,
    /// The record's language as labelled in the data (optional; ISO 639 code).
    pub language: String,
}

impl Default for Fields {
    fn default() -> Self {
        Fields {
            text: "text".into(),
            id: "id".into(),
            label: "label".into(),
            source: "source".into(),
            slice: "slice".into(),
            group: "group".into(),
            writer: "writer".into(),
            language: "language".into(),
        }
    }
}

/// Limits applied while reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReaderOptions {
    /// Text longer than this many bytes is truncated (at a character boundary) and the
    /// record is marked `truncated`.
    pub max_text_bytes: usize,
}

impl Default for ReaderOptions {
    fn default() -> Self {
        ReaderOptions {
            max_text_bytes: 1 << 20,
        }
    }
}

impl ReaderOptions {
    /// The longest physical line kept in memory: room for a maximal text with JSON
    /// escaping, and at least 64 MiB so that a long JSON record can still be parsed and
    /// its text truncated. Longer lines become error records.
    fn max_line_bytes(&self) -> usize {
        self.max_text_bytes
            .saturating_mul(4)
            .saturating_add(64 << 10)
            .max(64 << 20)
    }
}

/// A record read from an input.
#[derive(Clone, Debug, PartialEq)]
pub struct InputRecord {
    /// Where it was.
    pub position: Position,
    /// The id as given (any JSON value; CSV ids are strings), if any.
    pub id: Option<serde_json::Value>,
    /// The text (lossily decoded if the input was not valid UTF-8).
    pub text: String,
    /// The label, if the input has one.
    pub label: Option<String>,
    /// The source, if any.
    pub source: Option<String>,
    /// The slice, if any.
    pub slice: Option<String>,
    /// The group key, if any.
    pub group: Option<String>,
    /// The writer, if any.
    pub writer: Option<String>,
    /// The labelled language, if any.
    pub language: Option<String>,
    /// True when invalid UTF-8 was replaced by U+FFFD.
    pub lossy_utf8: bool,
    /// True when the text was cut to the byte limit.
    pub truncated: bool,
}

/// A record that could not be read, in its place in the input.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RecordError {
    /// Where it was.
    #[serde(skip)]
    pub position: Position,
    /// The id, if it could be read.
    pub id: Option<serde_json::Value>,
    /// What is wrong, in words.
    pub message: String,
}

impl RecordError {
    /// The id as a string: the given id, else the 1-based record number.
    pub fn id_string(&self) -> String {
        id_string(&self.id, &self.position)
    }
}

/// A record's id as text: strings as they are, other JSON values as JSON, and the 1-based
/// record number when there is no id.
fn id_string(id: &Option<serde_json::Value>, position: &Position) -> String {
    match id {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
        None => position.record.to_string(),
    }
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.position, self.message)
    }
}

impl From<RecordError> for Error {
    fn from(e: RecordError) -> Self {
        Error::record(e.position, e.message)
    }
}

/// One item of input: a record, or the error that stands in its place.
#[derive(Clone, Debug, PartialEq)]
pub enum ReadItem {
    /// A readable record.
    Record(InputRecord),
    /// An unreadable record.
    Bad(RecordError),
}

/// A labelled training or evaluation example.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Deserialize, Serialize)]
pub struct LabeledRecord {
    /// The id, as a string.
    pub id: String,
    /// The text.
    pub text: String,
    /// The class label.
    pub label: String,
    /// Where it came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// A finer category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slice: Option<String>,
    /// The grouping key for splits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Who wrote it (project-written data); evaluation can leave one writer out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub writer: Option<String>,
    /// Its language as labelled in the data (ISO 639 code), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

impl InputRecord {
    /// The id as a string: the given id, else the 1-based record number.
    pub fn id_string(&self) -> String {
        id_string(&self.id, &self.position)
    }

    /// Converts into a labelled record, or an error naming the record when it has no label.
    pub fn into_labeled(self) -> Result<LabeledRecord> {
        let id = self.id_string();
        match self.label {
            Some(label) if !label.trim().is_empty() => Ok(LabeledRecord {
                id,
                text: self.text,
                label: label.trim().to_string(),
                source: self.source,
                slice: self.slice,
                group: self.group,
                writer: self.writer,
                language: self.language,
            }),
            _ => Err(Error::record(self.position, "no label")),
        }
    }
}

/// Opens a file (or `-` for standard input) for buffered reading, decompressing `.gz`
/// under the default [`RatioLimit`].
pub fn open_input(path: &str) -> Result<Box<dyn BufRead + Send>> {
    open_input_with(path, RatioLimit::default())
}

/// Every record of one input, whatever its format.
pub type Records = Box<dyn Iterator<Item = Result<ReadItem>> + Send>;

/// Opens one input (a file, or `-` for standard input) as a stream of records: Parquet
/// through [`ParquetRecords`](super::ParquetRecords), the rest through [`RecordReader`]
/// over [`open_input_with`].
pub fn open_records(
    path: &str,
    format: InputFormat,
    fields: Fields,
    options: ReaderOptions,
    gzip: RatioLimit,
) -> Result<Records> {
    if format == InputFormat::Parquet {
        if path == "-" {
            return Err(Error::config(
                "Parquet cannot be read from standard input (the reader needs to seek); give a file",
            ));
        }
        return Ok(Box::new(super::ParquetRecords::open(
            Path::new(path),
            fields,
            options,
        )?));
    }
    Ok(Box::new(RecordReader::with_options(
        open_input_with(path, gzip)?,
        format,
        fields,
        Some(path.to_string()),
        options,
    )?))
}

/// [`open_input`] with an explicit limit on how far gzip input may expand.
pub fn open_input_with(path: &str, gzip: RatioLimit) -> Result<Box<dyn BufRead + Send>> {
    let raw: Box<dyn Read + Send> = if path == "-" {
        Box::new(io::stdin())
    } else {
        Box::new(File::open(path).map_err(|e| Error::io(Some(path.into()), e))?)
    };
    if path.to_ascii_lowercase().ends_with(".gz") {
        Ok(Box::new(BufReader::with_capacity(
            1 << 16,
            gzip.reader(raw, path),
        )))
    } else {
        Ok(Box::new(BufReader::with_capacity(1 << 16, raw)))
    }
}

enum Inner<R: BufRead> {
    Lines {
        reader: R,
        buf: Vec<u8>,
        json: bool,
    },
    Csv {
        reader: Box<csv::Reader<CsvGuard<R>>>,
        record: csv::ByteRecord,
        columns: CsvColumns,
    },
}

/// Bounds the memory of one CSV record: the `csv` crate buffers a whole record (a quoted
/// field can span any number of lines), so an unclosed quote would otherwise buffer the
/// rest of the input. The guard fails the read once a record passes the limit.
struct CsvGuard<R> {
    inner: R,
    limit: u64,
    /// Bytes handed to the parser.
    read: u64,
    /// Where the current record began (set after each record from the parser's position).
    record_start: u64,
    /// The limit was hit.
    tripped: bool,
}

impl<R: Read> Read for CsvGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.read.saturating_sub(self.record_start) > self.limit {
            self.tripped = true;
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("a CSV record is longer than {} bytes", self.limit),
            ));
        }
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

/// Starts the guard's count for the next record at the parser's position.
fn next_csv_record<R: Read>(reader: &mut csv::Reader<CsvGuard<R>>) {
    let at = reader.position().byte();
    reader.get_mut().record_start = at;
}

struct CsvColumns {
    text: usize,
    id: Option<usize>,
    label: Option<usize>,
    source: Option<usize>,
    slice: Option<usize>,
    group: Option<usize>,
    writer: Option<usize>,
    language: Option<usize>,
}

/// Iterates over the records of one input, in order.
pub struct RecordReader<R: BufRead> {
    inner: Inner<R>,
    fields: Fields,
    options: ReaderOptions,
    source: Option<String>,
    line: u64,
    record: u64,
}

impl<R: BufRead> RecordReader<R> {
    /// A reader over `input` with default limits. `source` names the input in positions.
    pub fn new(
        input: R,
        format: InputFormat,
        fields: Fields,
        source: Option<String>,
    ) -> Result<Self> {
        Self::with_options(input, format, fields, source, ReaderOptions::default())
    }

    /// A reader with explicit limits. For CSV, fails at once when the header lacks the
    /// text column.
    pub fn with_options(
        input: R,
        format: InputFormat,
        fields: Fields,
        source: Option<String>,
        options: ReaderOptions,
    ) -> Result<Self> {
        let inner = match format {
            InputFormat::Parquet => {
                return Err(Error::config(format!(
                    "{}: Parquet is read with ParquetRecords (or open_records), not from a stream",
                    source.as_deref().unwrap_or("<input>")
                )))
            }
            InputFormat::JsonLines | InputFormat::Text => Inner::Lines {
                reader: input,
                buf: Vec::new(),
                json: format == InputFormat::JsonLines,
            },
            InputFormat::Csv => {
                let delimiter = if source.as_deref().is_some_and(|s| {
                    s.to_ascii_lowercase()
                        .trim_end_matches(".gz")
                        .ends_with(".tsv")
                }) {
                    b'\t'
                } else {
                    b','
                };
                let mut reader = csv::ReaderBuilder::new()
                    .delimiter(delimiter)
                    .flexible(true)
                    .from_reader(CsvGuard {
                        inner: input,
                        // The parser reads ahead by at most its buffer.
                        limit: options.max_line_bytes() as u64 + (64 << 10),
                        read: 0,
                        record_start: 0,
                        tripped: false,
                    });
                let headers = match reader.byte_headers().cloned() {
                    Ok(h) => h,
                    Err(e) if reader.get_ref().tripped => {
                        return Err(Error::config(format!(
                            "{}: the CSV header {e}; is a quote left open?",
                            source.as_deref().unwrap_or("<input>")
                        )))
                    }
                    Err(e) => return Err(csv_error(&source, e)),
                };
                next_csv_record(&mut reader);
                let find = |name: &str| {
                    headers.iter().position(|h| {
                        String::from_utf8_lossy(h)
                            .trim_start_matches('\u{feff}')
                            .trim()
                            == name
                    })
                };
                let Some(text) = find(&fields.text) else {
                    let found: Vec<String> = headers
                        .iter()
                        .map(|h| String::from_utf8_lossy(h).into_owned())
                        .collect();
                    return Err(Error::config(format!(
                        "{}: the CSV header has no column named {:?} (columns: {}); name the text column with --text-column",
                        source.as_deref().unwrap_or("<input>"),
                        fields.text,
                        found.join(", ")
                    )));
                };
                let columns = CsvColumns {
                    text,
                    id: find(&fields.id),
                    label: find(&fields.label),
                    source: find(&fields.source),
                    slice: find(&fields.slice),
                    group: find(&fields.group),
                    writer: find(&fields.writer),
                    language: find(&fields.language),
                };
                Inner::Csv {
                    reader: Box::new(reader),
                    record: csv::ByteRecord::new(),
                    columns,
                }
            }
        };
        Ok(RecordReader {
            inner,
            fields,
            options,
            source,
            line: 0,
            record: 0,
        })
    }

    fn next_item(&mut self) -> Result<Option<ReadItem>> {
        let max_line = self.options.max_line_bytes();
        let max_text = self.options.max_text_bytes;
        match &mut self.inner {
            Inner::Lines { reader, buf, json } => loop {
                let overflow = match read_bounded_line(reader, buf, max_line) {
                    Ok(None) => return Ok(None),
                    Ok(Some(o)) => o,
                    Err(e) => return Err(Error::io(self.source.as_ref().map(Into::into), e)),
                };
                self.line += 1;
                if *json {
                    if buf.iter().all(u8::is_ascii_whitespace) && !overflow {
                        continue; // blank lines are not records
                    }
                    self.record += 1;
                    let position = Position::new(self.source.clone(), self.record, self.line);
                    if overflow {
                        return Ok(Some(ReadItem::Bad(RecordError {
                            position,
                            id: None,
                            message: format!(
                                "the line is longer than {max_line} bytes; raise --max-bytes to read it"
                            ),
                        })));
                    }
                    let (line, lossy) = decode(buf);
                    return Ok(Some(parse_json_record(
                        &line,
                        lossy,
                        &self.fields,
                        position,
                        max_text,
                    )));
                }
                self.record += 1;
                let position = Position::new(self.source.clone(), self.record, self.line);
                let (text, lossy) = decode(buf);
                let (text, truncated) = truncate(text.into_owned(), max_text);
                return Ok(Some(ReadItem::Record(InputRecord {
                    position,
                    id: None,
                    text,
                    label: None,
                    source: None,
                    slice: None,
                    group: None,
                    writer: None,
                    language: None,
                    lossy_utf8: lossy,
                    truncated: truncated || overflow,
                })));
            },
            Inner::Csv {
                reader,
                record,
                columns,
            } => {
                let more = match reader.read_byte_record(record) {
                    Ok(more) => more,
                    Err(e) => {
                        if reader.get_ref().tripped {
                            let line = reader.position().line();
                            return Err(Error::record(
                                Position::new(self.source.clone(), self.record + 1, line),
                                format!(
                                    "{e} (is a quote left open?); the rest of the input cannot be read; raise --max-bytes if the record is real"
                                ),
                            ));
                        }
                        if let csv::ErrorKind::Io(_) = e.kind() {
                            return Err(csv_error(&self.source, e));
                        }
                        next_csv_record(reader);
                        self.record += 1;
                        let line = e.position().map_or(self.line + 1, |p| p.line());
                        self.line = line;
                        return Ok(Some(ReadItem::Bad(RecordError {
                            position: Position::new(self.source.clone(), self.record, line),
                            id: None,
                            message: format!("malformed CSV: {e}"),
                        })));
                    }
                };
                next_csv_record(reader);
                if !more {
                    return Ok(None);
                }
                self.record += 1;
                let line = record.position().map_or(self.line + 1, |p| p.line());
                self.line = line;
                let position = Position::new(self.source.clone(), self.record, line);
                let field = |i: Option<usize>| {
                    i.and_then(|i| record.get(i))
                        .map(|b| decode(b).0.into_owned())
                        .filter(|s| !s.is_empty())
                };
                let id = field(columns.id).map(serde_json::Value::String);
                let Some(raw) = record.get(columns.text) else {
                    return Ok(Some(ReadItem::Bad(RecordError {
                        position,
                        id,
                        message: format!(
                            "the row has {} fields and no `{}` column",
                            record.len(),
                            self.fields.text
                        ),
                    })));
                };
                let (text, lossy) = decode(raw);
                let (text, truncated) = truncate(text.into_owned(), max_text);
                Ok(Some(checked(
                    InputRecord {
                        position,
                        id,
                        text,
                        label: field(columns.label),
                        source: field(columns.source),
                        slice: field(columns.slice),
                        group: field(columns.group),
                        writer: field(columns.writer),
                        language: field(columns.language),
                        lossy_utf8: lossy,
                        truncated,
                    },
                    &self.fields,
                )))
            }
        }
    }
}

impl<R: BufRead> Iterator for RecordReader<R> {
    type Item = Result<ReadItem>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_item().transpose()
    }
}

fn csv_error(source: &Option<String>, e: csv::Error) -> Error {
    if e.is_io_error() {
        if let csv::ErrorKind::Io(io) = e.into_kind() {
            return Error::io(source.as_ref().map(Into::into), io);
        }
        unreachable!("is_io_error implies ErrorKind::Io");
    }
    Error::config(format!("{}: {e}", source.as_deref().unwrap_or("<input>")))
}

fn decode(bytes: &[u8]) -> (Cow<'_, str>, bool) {
    match std::str::from_utf8(bytes) {
        Ok(s) => (Cow::Borrowed(s), false),
        Err(_) => (String::from_utf8_lossy(bytes), true),
    }
}

pub(super) fn truncate(text: String, max: usize) -> (String, bool) {
    if text.len() <= max {
        return (text, false);
    }
    // A copy of the prefix, and the whole original block given back: shrinking in place
    // would leave the rest of a large block to fragment the heap, so that a batch of
    // truncated texts would still hold what their originals took.
    truncate_str(&text, max)
}

/// The first `max` bytes of `text` (cut back to a character boundary) as a new string, and
/// whether anything was cut; never copies more than it keeps.
pub(super) fn truncate_str(text: &str, max: usize) -> (String, bool) {
    if text.len() <= max {
        return (text.to_owned(), false);
    }
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    (text[..cut].to_owned(), true)
}

/// The prefix of `text` that a reader with `options` keeps (cut back to a character
/// boundary), and whether anything was cut: what [`RecordReader`] does to a long text, for
/// texts that arrive without a reader (the Python package).
pub fn truncate_text<'a>(text: &'a str, options: &ReaderOptions) -> (&'a str, bool) {
    if text.len() <= options.max_text_bytes {
        return (text, false);
    }
    let mut cut = options.max_text_bytes;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    (&text[..cut], true)
}

/// Writes labelled records as JSON Lines, one compact object per line with the field
/// names of [`Fields::default`] (absent optional fields left out): a file that
/// `redflag train --data` reads back into equal records.
pub fn write_labeled_jsonl<W: io::Write>(mut w: W, records: &[LabeledRecord]) -> io::Result<()> {
    for r in records {
        serde_json::to_writer(&mut w, r)?;
        w.write_all(b"\n")?;
    }
    w.flush()
}

/// The longest id, label, source, slice, group, writer or language accepted, in bytes (an
/// id that is not a string counts as its JSON). Only the text may be longer (it is
/// truncated at `--max-bytes`); a longer field makes the record an error record, so that a
/// batch of records never holds more than their texts' limit and a few kilobytes each.
pub const MAX_FIELD_BYTES: usize = 4096;

/// The error message of a field of `len` bytes over [`MAX_FIELD_BYTES`].
pub(super) fn oversized_field(name: &str, len: usize) -> String {
    format!(
        "`{name}` is {len} bytes long, over the limit of {MAX_FIELD_BYTES} bytes for fields other than the text"
    )
}

/// `rec` as a record, or as an error record naming its first field over
/// [`MAX_FIELD_BYTES`] (without echoing an oversized id).
pub(super) fn checked(rec: InputRecord, fields: &Fields) -> ReadItem {
    let id_len = match &rec.id {
        None => 0,
        Some(serde_json::Value::String(s)) => s.len(),
        Some(v @ (serde_json::Value::Array(_) | serde_json::Value::Object(_))) => {
            serde_json::to_vec(v).map_or(usize::MAX, |b| b.len())
        }
        Some(_) => 0,
    };
    let others = [
        (&fields.label, &rec.label),
        (&fields.source, &rec.source),
        (&fields.slice, &rec.slice),
        (&fields.group, &rec.group),
        (&fields.writer, &rec.writer),
        (&fields.language, &rec.language),
    ];
    let over = std::iter::once((&fields.id, id_len))
        .chain(
            others
                .iter()
                .map(|(name, v)| (*name, v.as_ref().map_or(0, String::len))),
        )
        .find(|(_, len)| *len > MAX_FIELD_BYTES);
    match over {
        None => ReadItem::Record(rec),
        Some((name, len)) => {
            let id = (id_len <= MAX_FIELD_BYTES).then_some(rec.id).flatten();
            ReadItem::Bad(RecordError {
                position: rec.position,
                id,
                message: oversized_field(name, len),
            })
        }
    }
}

/// The fields of one JSON record that redflag reads; everything else is skipped unparsed.
#[derive(Default)]
struct JsonFields {
    id: Option<serde_json::Value>,
    text: Option<Result<String, &'static str>>,
    label: Option<String>,
    source: Option<String>,
    slice: Option<String>,
    group: Option<String>,
    writer: Option<String>,
    language: Option<String>,
}

struct JsonSeed<'f>(&'f Fields);

impl<'de> DeserializeSeed<'de> for JsonSeed<'_> {
    type Value = JsonFields;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<JsonFields, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for JsonSeed<'_> {
    type Value = JsonFields;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsonFields, A::Error> {
        let mut out = JsonFields::default();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            let key = key.as_ref();
            if key == self.0.text {
                let v: serde_json::Value = map.next_value()?;
                out.text = match v {
                    serde_json::Value::String(s) => Some(Ok(s)),
                    serde_json::Value::Null => None,
                    serde_json::Value::Number(_) => Some(Err("a number")),
                    serde_json::Value::Bool(_) => Some(Err("a boolean")),
                    serde_json::Value::Array(_) => Some(Err("an array")),
                    serde_json::Value::Object(_) => Some(Err("an object")),
                };
            } else if key == self.0.id {
                let v: serde_json::Value = map.next_value()?;
                out.id = (!v.is_null()).then_some(v);
            } else if key == self.0.label {
                out.label = string_field(map.next_value()?);
            } else if key == self.0.source {
                out.source = string_field(map.next_value()?);
            } else if key == self.0.slice {
                out.slice = string_field(map.next_value()?);
            } else if key == self.0.group {
                out.group = string_field(map.next_value()?);
            } else if key == self.0.writer {
                out.writer = string_field(map.next_value()?);
            } else if key == self.0.language {
                out.language = string_field(map.next_value()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(out)
    }
}

fn string_field(v: serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Null => None,
        other => Some(other.to_string()),
    }
}

fn parse_json_record(
    line: &str,
    lossy: bool,
    fields: &Fields,
    position: Position,
    max_text: usize,
) -> ReadItem {
    let mut de = serde_json::Deserializer::from_str(line);
    let parsed = JsonSeed(fields)
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v));
    let rec = match parsed {
        Ok(r) => r,
        Err(e) => {
            let what = if e.is_data() && line.trim_start().starts_with('{') {
                format!("malformed JSON record: {e}")
            } else if e.is_data() {
                "not a JSON object (expected one object per line)".to_string()
            } else {
                format!("malformed JSON: {e}")
            };
            return ReadItem::Bad(RecordError {
                position,
                id: None,
                message: what,
            });
        }
    };
    let text = match rec.text {
        None => {
            return ReadItem::Bad(RecordError {
                position,
                id: rec.id,
                message: format!("no `{}` field", fields.text),
            })
        }
        Some(Err(kind)) => {
            return ReadItem::Bad(RecordError {
                position,
                id: rec.id,
                message: format!("`{}` is {kind}, not a string", fields.text),
            })
        }
        Some(Ok(t)) => t,
    };
    let (text, truncated) = truncate(text, max_text);
    checked(
        InputRecord {
            position,
            id: rec.id,
            text,
            label: rec.label,
            source: rec.source,
            slice: rec.slice,
            group: rec.group,
            writer: rec.writer,
            language: rec.language,
            lossy_utf8: lossy,
            truncated,
        },
        fields,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(data: &[u8], format: InputFormat, opts: ReaderOptions) -> Vec<ReadItem> {
        RecordReader::with_options(data, format, Fields::default(), Some("t".into()), opts)
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    }

    fn record(item: &ReadItem) -> &InputRecord {
        match item {
            ReadItem::Record(r) => r,
            ReadItem::Bad(e) => panic!("unexpected error record: {e}"),
        }
    }

    fn error(item: &ReadItem) -> &RecordError {
        match item {
            ReadItem::Bad(e) => e,
            ReadItem::Record(r) => panic!("unexpected record: {r:?}"),
        }
    }

    #[test]
    fn format_from_path() {
        assert_eq!(
            InputFormat::from_path("a/b.JSONL"),
            Some(InputFormat::JsonLines)
        );
        assert_eq!(InputFormat::from_path("x.csv.gz"), Some(InputFormat::Csv));
        assert_eq!(InputFormat::from_path("x.txt"), Some(InputFormat::Text));
        assert_eq!(InputFormat::from_path("x"), None);
    }

    #[test]
    fn json_lines_every_bad_kind_keeps_its_place() {
        let data = b"{\"text\":\"ok\",\"id\":\"a\",\"label\":\"benign\",\"extra\":[1,{\"x\":2}]}\n\
\n\
{\"text\": 5}\n\
{broken\n\
[1,2]\n\
{\"id\": 3}\n\
{\"text\": null, \"id\": 4}\n\
{\"text\": \"caf\xff\"}\n";
        let items = read(data, InputFormat::JsonLines, ReaderOptions::default());
        assert_eq!(
            items.len(),
            7,
            "blank line is not a record; every other line is"
        );
        let r = record(&items[0]);
        assert_eq!(
            (r.text.as_str(), r.label.as_deref()),
            ("ok", Some("benign"))
        );
        assert_eq!(r.id, Some(serde_json::json!("a")));
        let e = error(&items[1]);
        assert_eq!((e.position.record, e.position.line), (2, 3));
        assert!(e.message.contains("is a number"), "{}", e.message);
        assert!(error(&items[2]).message.contains("malformed JSON"));
        assert!(error(&items[3]).message.contains("not a JSON object"));
        let e = error(&items[4]);
        assert!(e.message.contains("no `text` field"));
        assert_eq!(e.id, Some(serde_json::json!(3)));
        assert!(error(&items[5]).message.contains("no `text` field"));
        let r = record(&items[6]);
        assert!(r.lossy_utf8);
        assert_eq!(r.text, "caf\u{fffd}");
    }

    #[test]
    fn oversized_fields_are_error_records_without_echoing_the_id() {
        let big = "i".repeat(MAX_FIELD_BYTES + 1);
        let ok = "o".repeat(MAX_FIELD_BYTES);
        let lines = [
            serde_json::json!({"id": big, "text": "a"}),
            serde_json::json!({"id": "k", "text": "a", "source": big}),
            serde_json::json!({"id": [big], "text": "a"}),
            serde_json::json!({"id": ok, "text": "a", "slice": ok}),
        ];
        let data: String = lines.iter().map(|l| format!("{l}\n")).collect();
        let items = read(
            data.as_bytes(),
            InputFormat::JsonLines,
            ReaderOptions::default(),
        );
        assert_eq!(items.len(), 4);
        let bad = |i: usize| match &items[i] {
            ReadItem::Bad(e) => e.clone(),
            other => panic!("{other:?}"),
        };
        assert!(
            bad(0).message.contains("`id` is 4097 bytes long"),
            "{:?}",
            bad(0)
        );
        assert_eq!(bad(0).id, None);
        assert!(
            bad(1).message.contains("`source` is 4097 bytes"),
            "{:?}",
            bad(1)
        );
        assert_eq!(bad(1).id, Some(serde_json::json!("k")));
        assert!(bad(2).message.contains("`id` is"), "{:?}", bad(2));
        assert!(matches!(&items[3], ReadItem::Record(_)));
        let csv = format!("id,text,label\nk,a,{big}\n");
        let items = read(csv.as_bytes(), InputFormat::Csv, ReaderOptions::default());
        assert!(matches!(&items[0], ReadItem::Bad(e) if e.message.contains("`label` is 4097")));
        // A truncated text gives its excess back.
        let (t, cut) = truncate("x".repeat(1 << 20), 10);
        assert!(cut && t.capacity() < 1024, "{}", t.capacity());
    }

    #[test]
    fn long_text_is_truncated_on_a_char_boundary_and_long_lines_are_errors() {
        let opts = ReaderOptions { max_text_bytes: 4 };
        let items = read(
            "{\"text\":\"ééé\"}\n".as_bytes(),
            InputFormat::JsonLines,
            opts,
        );
        let r = record(&items[0]);
        assert!(r.truncated);
        assert_eq!(r.text, "éé");
        let mut line = b"{\"text\":\"".to_vec();
        line.extend(std::iter::repeat_n(b'a', 70 << 20));
        line.extend_from_slice(b"\"}\n{\"text\":\"next\"}\n");
        let items = read(&line, InputFormat::JsonLines, opts);
        assert!(error(&items[0]).message.contains("longer than"));
        assert_eq!(record(&items[1]).text, "next");
        let items = read(b"abcdefgh\n", InputFormat::Text, opts);
        assert_eq!(record(&items[0]).text, "abcd");
        assert!(record(&items[0]).truncated);
    }

    #[test]
    fn text_lines_are_records_including_empty_ones() {
        let items = read(b"one\r\n\ntwo", InputFormat::Text, ReaderOptions::default());
        let texts: Vec<&str> = items.iter().map(|i| record(i).text.as_str()).collect();
        assert_eq!(texts, ["one", "", "two"]);
        assert_eq!(record(&items[2]).position.line, 3);
    }

    #[test]
    fn csv_reads_named_columns_and_rejects_a_missing_text_column() {
        let data = b"id,label,text\n1,benign,\"hello, world\"\n2,appeal,\"multi\nline\"\n3\n";
        let items = read(data, InputFormat::Csv, ReaderOptions::default());
        assert_eq!(items.len(), 3);
        assert_eq!(record(&items[0]).text, "hello, world");
        assert_eq!(record(&items[1]).label.as_deref(), Some("appeal"));
        assert_eq!(record(&items[1]).position.line, 3);
        let e = error(&items[2]);
        assert!(e.message.contains("no `text` column"), "{}", e.message);
        assert_eq!(e.position.line, 5);
        let err = RecordReader::new(
            &b"id,body\n1,x\n"[..],
            InputFormat::Csv,
            Fields::default(),
            Some("f.csv".into()),
        )
        .err()
        .unwrap();
        let msg = err.to_string();
        assert!(
            msg.contains("f.csv") && msg.contains("\"text\"") && msg.contains("id, body"),
            "{msg}"
        );
    }

    #[test]
    fn into_labeled_requires_a_label() {
        let items = read(
            b"{\"text\":\"x\"}\n",
            InputFormat::JsonLines,
            ReaderOptions::default(),
        );
        let ReadItem::Record(r) = items[0].clone() else {
            panic!()
        };
        let err = r.into_labeled().unwrap_err();
        assert_eq!(err.to_string(), "t: record 1 (line 1): no label");
    }

    /// Regression for the hardening issue: an unclosed quote made the CSV parser buffer
    /// the rest of the input as one field. Now the record is bounded and the read fails
    /// with an error naming the record.
    #[test]
    fn an_unclosed_csv_quote_does_not_buffer_the_rest_of_the_input() {
        let head: &[u8] = b"id,text\n1,fine\n2,\"open quote ";
        let input = io::BufReader::new(head.chain(io::repeat(b'a').take(300 << 20)));
        let reader = RecordReader::new(
            input,
            InputFormat::Csv,
            Fields::default(),
            Some("big.csv".into()),
        )
        .unwrap();
        let mut items = Vec::new();
        let mut error = None;
        for item in reader {
            match item {
                Ok(i) => items.push(i),
                Err(e) => {
                    error = Some(e.to_string());
                    break;
                }
            }
        }
        assert_eq!(items.len(), 1);
        let error = error.expect("the over-long record is an error");
        assert!(
            error.starts_with("big.csv: record 2 (line 3): a CSV record is longer than"),
            "{error}"
        );
        assert!(error.contains("--max-bytes"), "{error}");
    }

    #[test]
    fn labeled_jsonl_reads_back_into_equal_records() {
        let records: Vec<LabeledRecord> = ["plain", "with \"quotes\" and \u{1F600}\nnewline"]
            .iter()
            .enumerate()
            .map(|(i, t)| LabeledRecord {
                id: (i + 1).to_string(),
                text: t.to_string(),
                label: "benign".into(),
                source: None,
                slice: None,
                group: None,
                writer: (i == 1).then(|| "w".to_string()),
                language: None,
            })
            .collect();
        let mut buf = Vec::new();
        write_labeled_jsonl(&mut buf, &records).unwrap();
        let back: Vec<LabeledRecord> =
            RecordReader::new(&buf[..], InputFormat::JsonLines, Fields::default(), None)
                .unwrap()
                .map(|item| match item.unwrap() {
                    ReadItem::Record(r) => r.into_labeled().unwrap(),
                    ReadItem::Bad(e) => panic!("{e}"),
                })
                .collect();
        assert_eq!(back, records);
        let long = "é".repeat(10);
        let options = ReaderOptions { max_text_bytes: 5 };
        assert_eq!(truncate_text(&long, &options), ("éé", true));
        assert_eq!(truncate_text("abc", &options), ("abc", false));
    }
}
