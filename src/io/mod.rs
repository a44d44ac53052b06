//! Reading records: JSON Lines, CSV and plain text (one document per line), optionally
//! gzip-compressed, from files or standard input; and Apache Parquet files. Writing
//! results as Parquet ([`ResultWriter`]) and the reviewer's page ([`review_html`]).
//!
//! Readers never stop at a bad record: each input record comes out either as an
//! [`InputRecord`] or as a [`RecordError`] naming its position and the problem, so
//! *records in = records out + error records*. Only I/O failures end a read.
//!
//! ```
//! use redflag::io::{Fields, InputFormat, ReadItem, RecordReader};
//!
//! let data = "{\"id\": 7, \"text\": \"hello\"}\nnot json\n{\"id\": 9}\n";
//! let reader = RecordReader::new(data.as_bytes(), InputFormat::JsonLines, Fields::default(), None).unwrap();
//! let items: Vec<ReadItem> = reader.map(|r| r.unwrap()).collect();
//! assert!(matches!(&items[0], ReadItem::Record(r) if r.text == "hello"));
//! assert!(matches!(&items[1], ReadItem::Bad(e) if e.position.line == 2));
//! assert!(matches!(&items[2], ReadItem::Bad(e) if e.message.contains("no `text`")));
//! ```

mod gzip;
mod line;
mod parquet;
mod reader;
pub mod review_html;

pub use gzip::{LimitedGzReader, RatioLimit};
pub use parquet::{ParquetRecords, ResultRow, ResultWriter};

pub use line::read_bounded_line;
pub use reader::{
    open_input, open_input_with, open_records, Fields, InputFormat, InputRecord, LabeledRecord,
    ReadItem, ReaderOptions, RecordError, RecordReader, Records,
};
pub use reader::{truncate_text, write_labeled_jsonl};
