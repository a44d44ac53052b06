//! Parquet in and out, through the Apache Arrow crates (`parquet`, `arrow-array`).
//!
//! [`ParquetRecords`] reads the text column (and id, label, source, slice and group, when
//! present) of a Parquet file as [`ReadItem`]s, one row group at a time and only the
//! columns it needs, so memory is bounded by a row group of those columns, not by the
//! file. A row whose text is null becomes an error record; positions count rows from 1
//! (`record` and `line` are both the row number).
//!
//! [`ResultWriter`] writes scoring results as Parquet: one row per input record, with a
//! column per class score and error rows side by side with results.
//!
//! ```
//! use redflag::io::{Fields, ParquetRecords, ReadItem, ReaderOptions, ResultRow, ResultWriter};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("results.parquet");
//! let classes = vec!["benign".to_string(), "appeal".to_string()];
//! let mut w = ResultWriter::create(&path, &classes).unwrap();
//! w.write(ResultRow {
//!     id: Some("7".into()),
//!     record: 1,
//!     line: 1,
//!     label: Some("benign".into()),
//!     scores: Some(vec![0.9, 0.1]),
//!     review: Some(false),
//!     reasons: Some("[]".into()),
//!     ..ResultRow::default()
//! })
//! .unwrap();
//! w.finish().unwrap();
//!
//! // Results are Parquet too, so they read back (here the `label` column as the text).
//! let fields = Fields { text: "label".into(), ..Fields::default() };
//! let items: Vec<ReadItem> = ParquetRecords::open(&path, fields, ReaderOptions::default())
//!     .unwrap()
//!     .map(|r| r.unwrap())
//!     .collect();
//! assert!(matches!(&items[0], ReadItem::Record(r) if r.text == "benign"));
//! ```

use std::borrow::Cow;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::builder::{BooleanBuilder, Float64Builder, StringBuilder, UInt64Builder};
use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReader,
    ParquetRecordBatchReaderBuilder,
};
use parquet::arrow::{ArrowWriter, ProjectionMask};
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use super::reader::{
    checked, oversized_field, truncate_str, Fields, InputRecord, ReadItem, ReaderOptions,
    RecordError, MAX_FIELD_BYTES,
};
use crate::error::{Error, Position, Result};

/// Rows decoded at a time.
const BATCH_ROWS: usize = 4096;

/// Reads the records of one Parquet file, in row order.
pub struct ParquetRecords {
    reader: ParquetRecordBatchReader,
    source: String,
    fields: Fields,
    options: ReaderOptions,
    batch: Option<Columns>,
    /// Next row within `batch`.
    at: usize,
    /// Rows read before `batch`.
    row: u64,
    done: bool,
}

/// The needed columns of one batch, as strings (ids keep integers as numbers).
struct Columns {
    len: usize,
    text: ArrayRef,
    id: Option<ArrayRef>,
    label: Option<ArrayRef>,
    source: Option<ArrayRef>,
    slice: Option<ArrayRef>,
    group: Option<ArrayRef>,
    writer: Option<ArrayRef>,
    language: Option<ArrayRef>,
}

impl ParquetRecords {
    /// Opens `path`. Fails at once when it is not a Parquet file or has no top-level
    /// column named `fields.text` (the error lists the columns it has).
    pub fn open(path: &Path, fields: Fields, options: ReaderOptions) -> Result<Self> {
        let source = path.display().to_string();
        let file = File::open(path).map_err(|e| Error::io(Some(path.to_path_buf()), e))?;
        let parquet_error = |e: parquet::errors::ParquetError| Error::input(&source, e.to_string());
        let metadata =
            ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()).map_err(parquet_error)?;
        let schema = metadata.schema().clone();
        let find = |name: &str| schema.fields().iter().position(|f| f.name() == name);
        let Some(text) = find(&fields.text) else {
            let found: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
            return Err(Error::input(
                &source,
                format!(
                    "the Parquet file has no column named {:?} (columns: {}); name the text column with --text-column",
                    fields.text,
                    found.join(", ")
                ),
            ));
        };
        check_stringish(&schema, text, &source)?;
        let mut roots = vec![text];
        for name in [
            &fields.id,
            &fields.label,
            &fields.source,
            &fields.slice,
            &fields.group,
            &fields.writer,
            &fields.language,
        ] {
            if let Some(i) = find(name) {
                if !roots.contains(&i) {
                    roots.push(i);
                }
            }
        }
        // String columns are decoded as dictionaries: a dictionary-encoded column whose rows
        // all point at one huge value then costs that value once, not once per row (a few
        // hundred bytes of Parquet could otherwise ask for gigabytes per batch).
        let metadata = match dictionary_hint(&schema, &roots) {
            Some(hint) => ArrowReaderMetadata::try_new(
                metadata.metadata().clone(),
                ArrowReaderOptions::new().with_schema(hint),
            )
            .map_err(parquet_error)?,
            None => metadata,
        };
        let builder = ParquetRecordBatchReaderBuilder::new_with_metadata(file, metadata);
        let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
        let reader = builder
            .with_projection(mask)
            .with_batch_size(BATCH_ROWS)
            .build()
            .map_err(parquet_error)?;
        Ok(ParquetRecords {
            reader,
            source,
            fields,
            options,
            batch: None,
            at: 0,
            row: 0,
            done: false,
        })
    }

    fn next_batch(&mut self) -> Result<bool> {
        let Some(batch) = self.reader.next() else {
            return Ok(false);
        };
        let batch = batch.map_err(|e| Error::input(&self.source, format!("cannot decode: {e}")))?;
        self.row += self.batch.as_ref().map_or(0, |b| b.len as u64);
        let column = |name: &str| batch.column_by_name(name).cloned();
        let Some(text) = column(&self.fields.text) else {
            return Err(Error::input(
                &self.source,
                format!("a row group has no column {:?}", self.fields.text),
            ));
        };
        self.batch = Some(Columns {
            len: batch.num_rows(),
            text,
            id: column(&self.fields.id),
            label: column(&self.fields.label),
            source: column(&self.fields.source),
            slice: column(&self.fields.slice),
            group: column(&self.fields.group),
            writer: column(&self.fields.writer),
            language: column(&self.fields.language),
        });
        self.at = 0;
        Ok(true)
    }

    fn item(&self, columns: &Columns, i: usize) -> ReadItem {
        let number = self.row + i as u64 + 1;
        let position = Position::new(Some(self.source.clone()), number, number);
        // Values are borrowed from the batch; only what a record keeps is copied, and an
        // oversized field is refused before it is (see MAX_FIELD_BYTES).
        fn borrowed(a: &Option<ArrayRef>, i: usize) -> Option<(Cow<'_, str>, bool)> {
            a.as_ref().and_then(|a| string_at(a, i))
        }
        let named = [
            (&self.fields.id, &columns.id),
            (&self.fields.label, &columns.label),
            (&self.fields.source, &columns.source),
            (&self.fields.slice, &columns.slice),
            (&self.fields.group, &columns.group),
            (&self.fields.writer, &columns.writer),
            (&self.fields.language, &columns.language),
        ];
        let id_fits = borrowed(&columns.id, i).is_none_or(|(s, _)| s.len() <= MAX_FIELD_BYTES);
        let id = if id_fits {
            columns.id.as_ref().and_then(|a| id_value(a, i))
        } else {
            None
        };
        for (name, column) in named {
            if let Some((s, _)) = borrowed(column, i) {
                if s.len() > MAX_FIELD_BYTES {
                    return ReadItem::Bad(RecordError {
                        position,
                        id,
                        message: oversized_field(name, s.len()),
                    });
                }
            }
        }
        let Some((text, lossy)) = string_at(&columns.text, i) else {
            return ReadItem::Bad(RecordError {
                position,
                id,
                message: format!("the `{}` column is null", self.fields.text),
            });
        };
        let (text, truncated) = truncate_str(&text, self.options.max_text_bytes);
        let other = |a: &Option<ArrayRef>| {
            borrowed(a, i)
                .map(|(s, _)| s.into_owned())
                .filter(|s| !s.is_empty())
        };
        checked(
            InputRecord {
                position,
                id,
                text,
                label: other(&columns.label),
                source: other(&columns.source),
                slice: other(&columns.slice),
                group: other(&columns.group),
                writer: other(&columns.writer),
                language: other(&columns.language),
                lossy_utf8: lossy,
                truncated,
            },
            &self.fields,
        )
    }
}

impl Iterator for ParquetRecords {
    type Item = Result<ReadItem>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        loop {
            if let Some(columns) = &self.batch {
                if self.at < columns.len {
                    let item = self.item(columns, self.at);
                    self.at += 1;
                    return Some(Ok(item));
                }
            }
            match self.next_batch() {
                Ok(true) => {}
                Ok(false) => {
                    self.done = true;
                    return None;
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

/// The text column must hold strings (or bytes, decoded lossily).
fn check_stringish(schema: &Schema, index: usize, source: &str) -> Result<()> {
    let field = &schema.fields()[index];
    let ok = matches!(
        field.data_type(),
        DataType::Utf8
            | DataType::LargeUtf8
            | DataType::Utf8View
            | DataType::Binary
            | DataType::LargeBinary
            | DataType::BinaryView
    ) || matches!(field.data_type(), DataType::Dictionary(_, v) if matches!(**v, DataType::Utf8 | DataType::LargeUtf8));
    if ok {
        Ok(())
    } else {
        Err(Error::input(
            source,
            format!(
                "the text column {:?} has type {}, not a string type",
                field.name(),
                field.data_type()
            ),
        ))
    }
}

/// The file's Arrow schema with the `roots` columns that hold strings (`Utf8`, `LargeUtf8`)
/// read as dictionaries of strings; `None` when none does.
fn dictionary_hint(schema: &SchemaRef, roots: &[usize]) -> Option<SchemaRef> {
    let mut changed = false;
    let fields: Vec<Arc<Field>> = schema
        .fields()
        .iter()
        .enumerate()
        .map(|(i, f)| match f.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 if roots.contains(&i) => {
                changed = true;
                Arc::new(f.as_ref().clone().with_data_type(DataType::Dictionary(
                    Box::new(DataType::Int32),
                    Box::new(f.data_type().clone()),
                )))
            }
            _ => f.clone(),
        })
        .collect();
    changed.then(|| Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone())))
}

/// Row `i` of a string-like column as text, borrowed from the array where it can be
/// (`true` when bytes were not valid UTF-8), or `None` when null. Other types are formatted
/// as Arrow displays them.
fn string_at(array: &ArrayRef, i: usize) -> Option<(Cow<'_, str>, bool)> {
    if array.is_null(i) {
        return None;
    }
    let bytes_to_string = |b| match String::from_utf8_lossy(b) {
        Cow::Borrowed(s) => (Cow::Borrowed(s), false),
        owned => (owned, true),
    };
    Some(match array.data_type() {
        DataType::Utf8 => (Cow::Borrowed(array.as_string::<i32>().value(i)), false),
        DataType::LargeUtf8 => (Cow::Borrowed(array.as_string::<i64>().value(i)), false),
        DataType::Utf8View => (Cow::Borrowed(array.as_string_view().value(i)), false),
        DataType::Binary => bytes_to_string(array.as_binary::<i32>().value(i)),
        DataType::LargeBinary => bytes_to_string(array.as_binary::<i64>().value(i)),
        DataType::BinaryView => bytes_to_string(array.as_binary_view().value(i)),
        DataType::Dictionary(key, _) if **key == DataType::Int32 => {
            let dict = array.as_dictionary::<arrow_array::types::Int32Type>();
            let k = usize::try_from(dict.keys().value(i)).ok()?;
            return string_at(dict.values(), k);
        }
        _ => {
            let options = arrow_cast::display::FormatOptions::default();
            let formatter = arrow_cast::display::ArrayFormatter::try_new(array, &options).ok()?;
            (Cow::Owned(formatter.value(i).to_string()), false)
        }
    })
}

/// Row `i` of an id column: integers stay numbers, everything else is text.
fn id_value(array: &ArrayRef, i: usize) -> Option<serde_json::Value> {
    use arrow_array::types::*;
    if array.is_null(i) {
        return None;
    }
    let n = match array.data_type() {
        DataType::Int8 => Some(i64::from(array.as_primitive::<Int8Type>().value(i))),
        DataType::Int16 => Some(i64::from(array.as_primitive::<Int16Type>().value(i))),
        DataType::Int32 => Some(i64::from(array.as_primitive::<Int32Type>().value(i))),
        DataType::Int64 => Some(array.as_primitive::<Int64Type>().value(i)),
        DataType::UInt8 => Some(i64::from(array.as_primitive::<UInt8Type>().value(i))),
        DataType::UInt16 => Some(i64::from(array.as_primitive::<UInt16Type>().value(i))),
        DataType::UInt32 => Some(i64::from(array.as_primitive::<UInt32Type>().value(i))),
        DataType::UInt64 => {
            let v = array.as_primitive::<UInt64Type>().value(i);
            return Some(serde_json::Value::from(v));
        }
        _ => None,
    };
    match n {
        Some(n) => Some(serde_json::Value::from(n)),
        None => string_at(array, i).map(|(s, _)| serde_json::Value::String(s.into_owned())),
    }
}

/// One row of scoring output. Result rows have `label`, `scores`, `review` and `reasons`;
/// error rows have `error` instead.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResultRow {
    /// The record's id as text (numbers in decimal), or its record number.
    pub id: Option<String>,
    /// The input file, when several were scored.
    pub input: Option<String>,
    /// 1-based record number within its input.
    pub record: u64,
    /// Line (or, for Parquet input, row) where the record began.
    pub line: u64,
    /// The identified language.
    pub lang: Option<String>,
    /// Most probable class.
    pub label: Option<String>,
    /// Probability per class, in the model's class order.
    pub scores: Option<Vec<f64>>,
    /// Flagged for review.
    pub review: Option<bool>,
    /// The review class the reasons explain.
    pub explains: Option<String>,
    /// The review threshold of that class.
    pub threshold: Option<f64>,
    /// The reasons as a JSON array (`[{"feature", "kind", "weight", "spans"}]`).
    pub reasons: Option<String>,
    /// Comma-separated warnings (`truncated`, `invalid_utf8`, `language_low_coverage`).
    pub warnings: Option<String>,
    /// Why the record could not be scored.
    pub error: Option<String>,
}

/// Rows buffered before they are handed to the Parquet writer.
const WRITE_BATCH_ROWS: usize = 8192;
/// Rows per row group of the output.
const ROW_GROUP_ROWS: usize = 128 * 1024;

/// Writes [`ResultRow`]s to a Parquet file (snappy-compressed, row groups of 131,072 rows).
///
/// Columns: `id`, `input`, `record`, `line`, `lang`, `label`, `score_<class>` for each class,
/// `review`, `explains`, `threshold`, `reasons`, `warnings`, `error`.
pub struct ResultWriter {
    writer: ArrowWriter<File>,
    schema: SchemaRef,
    classes: usize,
    rows: Vec<ResultRow>,
    path: String,
}

impl ResultWriter {
    /// Creates (or truncates) `path` for the results of a model with these classes.
    pub fn create(path: &Path, classes: &[String]) -> Result<Self> {
        let mut fields = vec![
            Field::new("id", DataType::Utf8, true),
            Field::new("input", DataType::Utf8, true),
            Field::new("record", DataType::UInt64, false),
            Field::new("line", DataType::UInt64, false),
            Field::new("lang", DataType::Utf8, true),
            Field::new("label", DataType::Utf8, true),
        ];
        for c in classes {
            fields.push(Field::new(format!("score_{c}"), DataType::Float64, true));
        }
        fields.extend([
            Field::new("review", DataType::Boolean, true),
            Field::new("explains", DataType::Utf8, true),
            Field::new("threshold", DataType::Float64, true),
            Field::new("reasons", DataType::Utf8, true),
            Field::new("warnings", DataType::Utf8, true),
            Field::new("error", DataType::Utf8, true),
        ]);
        let schema = Arc::new(Schema::new(fields));
        let file = File::create(path).map_err(|e| Error::io(Some(path.to_path_buf()), e))?;
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .set_created_by(format!("redflag {}", env!("CARGO_PKG_VERSION")))
            .build();
        let writer = ArrowWriter::try_new(file, schema.clone(), Some(props))
            .map_err(|e| Error::config(format!("{}: {e}", path.display())))?;
        Ok(ResultWriter {
            writer,
            schema,
            classes: classes.len(),
            rows: Vec::with_capacity(WRITE_BATCH_ROWS),
            path: path.display().to_string(),
        })
    }

    /// Appends one row.
    pub fn write(&mut self, row: ResultRow) -> Result<()> {
        if let Some(s) = &row.scores {
            if s.len() != self.classes {
                return Err(Error::config(format!(
                    "a result row has {} scores for {} classes",
                    s.len(),
                    self.classes
                )));
            }
        }
        self.rows.push(row);
        if self.rows.len() >= WRITE_BATCH_ROWS {
            self.flush_rows()?;
        }
        Ok(())
    }

    fn flush_rows(&mut self) -> Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let n = self.rows.len();
        let strings = |get: &dyn Fn(&ResultRow) -> Option<&str>| -> ArrayRef {
            let mut b = StringBuilder::with_capacity(n, n * 8);
            for r in &self.rows {
                b.append_option(get(r));
            }
            Arc::new(b.finish())
        };
        let numbers = |get: &dyn Fn(&ResultRow) -> u64| -> ArrayRef {
            let mut b = UInt64Builder::with_capacity(n);
            for r in &self.rows {
                b.append_value(get(r));
            }
            Arc::new(b.finish())
        };
        let mut columns: Vec<ArrayRef> = vec![
            strings(&|r| r.id.as_deref()),
            strings(&|r| r.input.as_deref()),
            numbers(&|r| r.record),
            numbers(&|r| r.line),
            strings(&|r| r.lang.as_deref()),
            strings(&|r| r.label.as_deref()),
        ];
        for c in 0..self.classes {
            let mut b = Float64Builder::with_capacity(n);
            for r in &self.rows {
                b.append_option(r.scores.as_ref().map(|s| s[c]));
            }
            columns.push(Arc::new(b.finish()));
        }
        let mut review = BooleanBuilder::with_capacity(n);
        for r in &self.rows {
            review.append_option(r.review);
        }
        columns.push(Arc::new(review.finish()));
        columns.push(strings(&|r| r.explains.as_deref()));
        let mut threshold = Float64Builder::with_capacity(n);
        for r in &self.rows {
            threshold.append_option(r.threshold);
        }
        columns.push(Arc::new(threshold.finish()));
        columns.push(strings(&|r| r.reasons.as_deref()));
        columns.push(strings(&|r| r.warnings.as_deref()));
        columns.push(strings(&|r| r.error.as_deref()));
        let batch = RecordBatch::try_new(self.schema.clone(), columns)
            .map_err(|e| Error::config(format!("{}: {e}", self.path)))?;
        self.writer
            .write(&batch)
            .map_err(|e| Error::config(format!("{}: cannot write: {e}", self.path)))?;
        self.rows.clear();
        Ok(())
    }

    /// Writes what is buffered and the file footer. Without it the file is unreadable.
    pub fn finish(mut self) -> Result<()> {
        self.flush_rows()?;
        self.writer
            .close()
            .map_err(|e| Error::config(format!("{}: cannot finish: {e}", self.path)))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Int64Array, StringArray};

    fn write_input(path: &Path, ids: Vec<i64>, texts: Vec<Option<&str>>, row_group: usize) {
        let schema = Arc::new(Schema::new(vec![
            Field::new("post_id", DataType::Int64, false),
            Field::new("body", DataType::Utf8, true),
            Field::new("unused", DataType::Utf8, true),
        ]));
        let n = ids.len();
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(Int64Array::from(ids)),
                Arc::new(StringArray::from(texts)),
                Arc::new(StringArray::from(vec![Some("x"); n])),
            ],
        )
        .unwrap();
        let props = WriterProperties::builder()
            .set_max_row_group_row_count(Some(row_group))
            .build();
        let mut w = ArrowWriter::try_new(File::create(path).unwrap(), schema, Some(props)).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
    }

    /// A dictionary bomb: every row of every read column points at one large dictionary
    /// value. Decoded as dictionaries, a batch holds the value once per column.
    #[test]
    fn a_dictionary_bomb_holds_its_value_once_per_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bomb.parquet");
        let big = "x".repeat(400 << 10);
        let n = BATCH_ROWS;
        let names = ["body", "id", "label", "source", "slice", "group"];
        // Written from a dictionary array (the value once), without the Arrow schema in the
        // file, so that a reader sees plain string columns.
        let dict = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
        let schema = Arc::new(Schema::new(
            names
                .iter()
                .map(|n| Field::new(*n, dict.clone(), true))
                .collect::<Vec<_>>(),
        ));
        let column: ArrayRef = Arc::new(arrow_array::DictionaryArray::new(
            arrow_array::Int32Array::from(vec![0; n]),
            Arc::new(StringArray::from(vec![big.as_str()])),
        ));
        let batch = RecordBatch::try_new(schema.clone(), vec![column; names.len()]).unwrap();
        let props = WriterProperties::builder()
            .set_dictionary_page_size_limit(4 << 20)
            .build();
        let options = parquet::arrow::arrow_writer::ArrowWriterOptions::new()
            .with_properties(props)
            .with_skip_arrow_metadata(true);
        let mut w =
            ArrowWriter::try_new_with_options(File::create(&path).unwrap(), schema, options)
                .unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        let size = std::fs::metadata(&path).unwrap().len();
        assert!(size < 8 << 20, "the file is small: {size} bytes");
        let options = ReaderOptions {
            max_text_bytes: 1000,
        };
        let fields = Fields {
            text: "body".into(),
            ..Fields::default()
        };
        let mut r = ParquetRecords::open(&path, fields, options).unwrap();
        assert!(r.next_batch().unwrap());
        let columns = r.batch.as_ref().unwrap();
        assert!(matches!(columns.text.data_type(), DataType::Dictionary(..)));
        let held: usize = [&columns.text]
            .into_iter()
            .chain(columns.id.iter())
            .chain(columns.label.iter())
            .chain(columns.source.iter())
            .chain(columns.slice.iter())
            .chain(columns.group.iter())
            .map(|a| a.get_array_memory_size())
            .sum();
        // Six columns of 4096 rows of 400 KiB would be 9.6 GiB as plain strings.
        assert!(held < 16 << 20, "a batch holds {held} bytes");
        r.at = 0;
        let mut rows = 0;
        for item in r {
            // The text alone would be truncated; the other columns are over the field
            // limit, so every row is an error record that says so.
            let ReadItem::Bad(e) = item.unwrap() else {
                panic!("an error record")
            };
            assert!(
                e.message.contains("`id` is 409600 bytes long"),
                "{}",
                e.message
            );
            assert_eq!(e.id, None);
            rows += 1;
        }
        assert_eq!(rows, n);
    }

    fn fields() -> Fields {
        Fields {
            text: "body".into(),
            id: "post_id".into(),
            ..Fields::default()
        }
    }

    #[test]
    fn reads_rows_across_row_groups_with_null_text_as_error_records() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.parquet");
        let n = 10_000;
        let texts: Vec<Option<String>> = (0..n)
            .map(|i| (i != 4321).then(|| format!("post number {i}")))
            .collect();
        write_input(
            &path,
            (0..n as i64).map(|i| i * 10).collect(),
            texts.iter().map(|t| t.as_deref()).collect(),
            3000,
        );
        let items: Vec<ReadItem> = ParquetRecords::open(&path, fields(), ReaderOptions::default())
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(items.len(), n);
        for (i, item) in items.iter().enumerate() {
            match item {
                ReadItem::Record(r) => {
                    assert_eq!(r.text, format!("post number {i}"));
                    assert_eq!(r.id, Some(serde_json::Value::from(i as i64 * 10)));
                    assert_eq!(r.position.record, i as u64 + 1);
                }
                ReadItem::Bad(e) => {
                    assert_eq!(i, 4321);
                    assert_eq!(e.position.record, 4322);
                    assert_eq!(e.id, Some(serde_json::Value::from(43210)));
                    assert!(e.message.contains("`body` column is null"), "{}", e.message);
                }
            }
        }
    }

    #[test]
    fn a_missing_column_or_a_non_parquet_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.parquet");
        write_input(&path, vec![1], vec![Some("a")], 10);
        let err = ParquetRecords::open(&path, Fields::default(), ReaderOptions::default())
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("no column named \"text\" (columns: post_id, body, unused)"),
            "{err}"
        );
        let fields = Fields {
            text: "post_id".into(),
            ..Fields::default()
        };
        let err = ParquetRecords::open(&path, fields, ReaderOptions::default())
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("has type Int64, not a string type"), "{err}");
        let bad = dir.path().join("bad.parquet");
        std::fs::write(&bad, b"{\"text\": \"not parquet\"}\n").unwrap();
        let err = ParquetRecords::open(&bad, Fields::default(), ReaderOptions::default())
            .err()
            .unwrap()
            .to_string();
        assert!(err.starts_with(&format!("{}: ", bad.display())), "{err}");
    }

    #[test]
    fn long_text_is_truncated_on_a_character_boundary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.parquet");
        write_input(&path, vec![1], vec![Some("ééééé")], 10);
        let options = ReaderOptions { max_text_bytes: 5 };
        let items: Vec<ReadItem> = ParquetRecords::open(&path, fields(), options)
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        match &items[0] {
            ReadItem::Record(r) => {
                assert_eq!(r.text, "éé");
                assert!(r.truncated);
            }
            ReadItem::Bad(e) => panic!("{e}"),
        }
    }

    #[test]
    fn results_round_trip_with_error_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.parquet");
        let classes = vec!["a".to_string(), "b".to_string()];
        let mut w = ResultWriter::create(&path, &classes).unwrap();
        let n = 20_000u64;
        for i in 1..=n {
            let row = if i % 1000 == 0 {
                ResultRow {
                    id: Some(i.to_string()),
                    record: i,
                    line: i,
                    error: Some("bad".into()),
                    ..ResultRow::default()
                }
            } else {
                ResultRow {
                    id: Some(i.to_string()),
                    record: i,
                    line: i,
                    label: Some("a".into()),
                    scores: Some(vec![0.75, 0.25]),
                    review: Some(false),
                    reasons: Some("[]".into()),
                    ..ResultRow::default()
                }
            };
            w.write(row).unwrap();
        }
        assert!(w
            .write(ResultRow {
                scores: Some(vec![1.0]),
                ..ResultRow::default()
            })
            .is_err());
        w.finish().unwrap();
        let file = File::open(&path).unwrap();
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap();
        let (mut rows, mut errors) = (0u64, 0u64);
        for batch in reader {
            let batch = batch.unwrap();
            let names: Vec<&str> = batch
                .schema_ref()
                .fields()
                .iter()
                .map(|f| f.name().as_str())
                .collect();
            assert_eq!(
                names,
                [
                    "id",
                    "input",
                    "record",
                    "line",
                    "lang",
                    "label",
                    "score_a",
                    "score_b",
                    "review",
                    "explains",
                    "threshold",
                    "reasons",
                    "warnings",
                    "error"
                ]
            );
            let error = batch.column_by_name("error").unwrap();
            let score = batch
                .column_by_name("score_a")
                .unwrap()
                .as_primitive::<arrow_array::types::Float64Type>()
                .clone();
            for i in 0..batch.num_rows() {
                rows += 1;
                if error.is_valid(i) {
                    errors += 1;
                    assert!(score.is_null(i));
                } else {
                    assert_eq!(score.value(i), 0.75);
                }
            }
        }
        assert_eq!((rows, errors), (n, n / 1000));
    }
}
