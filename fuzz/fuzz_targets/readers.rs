//! The JSON Lines, CSV and text readers (and gzip input) on arbitrary bytes.
//!
//! The first byte picks the format, whether the rest is gzip, and a small `max_text_bytes`
//! (so truncation at character boundaries is exercised); the rest is the input.
//! Invariants: no panic; every input record comes out as a record or an error record, in
//! order (record numbers 1, 2, 3 …, lines never decreasing); text is within the limit.
#![no_main]

use std::io::Read;

use libfuzzer_sys::fuzz_target;
use redflag::io::{Fields, InputFormat, RatioLimit, ReadItem, ReaderOptions, RecordReader};

fuzz_target!(|data: &[u8]| {
    let Some((&control, input)) = data.split_first() else {
        return;
    };
    let format = match control % 3 {
        0 => InputFormat::JsonLines,
        1 => InputFormat::Csv,
        _ => InputFormat::Text,
    };
    let max_text_bytes = [1usize, 7, 64, 1 << 20][usize::from(control >> 2) % 4];
    let options = ReaderOptions { max_text_bytes };
    let bytes: Vec<u8> = if control & 0x80 != 0 {
        // Decompress what we can (a corrupt stream is an I/O error, which is fine).
        let limit = RatioLimit { max_ratio: 50, floor_bytes: 1 << 16 };
        let mut out = Vec::new();
        let _ = limit.reader(input, "fuzz.gz").take(1 << 22).read_to_end(&mut out);
        out
    } else {
        input.to_vec()
    };
    let source = if control & 0x40 != 0 { "fuzz.tsv" } else { "fuzz.csv" };
    let Ok(reader) =
        RecordReader::with_options(&bytes[..], format, Fields::default(), Some(source.into()), options)
    else {
        // Only a CSV header can fail at once.
        assert_eq!(format, InputFormat::Csv);
        return;
    };
    let (mut record, mut line) = (0u64, 0u64);
    for item in reader {
        let Ok(item) = item else { break };
        let position = match &item {
            ReadItem::Record(r) => {
                assert!(r.text.len() <= max_text_bytes, "text over the limit");
                &r.position
            }
            ReadItem::Bad(e) => {
                assert!(!e.message.is_empty());
                &e.position
            }
        };
        record += 1;
        assert_eq!(position.record, record, "records numbered in order");
        assert!(position.line >= line, "lines never go back");
        line = position.line;
    }
});
