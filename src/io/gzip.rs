//! gzip input with a bound on how far it may expand.
//!
//! Deflate can expand about a thousandfold, so a small `.gz` file can stand for far more
//! data than it looks. Readers already bound memory per line, but a "decompression bomb"
//! still costs time and is almost never real data: text compresses 3–10×, very repetitive
//! logs perhaps 50×. [`RatioLimit`] ends the read with a clear error once the output
//! passes both a floor and `max_ratio` times the compressed bytes read so far.
//!
//! ```
//! use std::io::{Read, Write};
//! use redflag::io::RatioLimit;
//!
//! // 8 MiB of zeros compress to about 8 KiB: a ratio of about 1,000.
//! let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
//! gz.write_all(&vec![0u8; 8 << 20]).unwrap();
//! let compressed = gz.finish().unwrap();
//!
//! let limited = RatioLimit { max_ratio: 100, floor_bytes: 1 << 20 };
//! let mut out = Vec::new();
//! let err = limited.reader(&compressed[..], "bomb.gz").read_to_end(&mut out).unwrap_err();
//! assert!(err.to_string().contains("bomb.gz"));
//!
//! let generous = RatioLimit { max_ratio: 2000, floor_bytes: 1 << 20 };
//! let mut out = Vec::new();
//! generous.reader(&compressed[..], "bomb.gz").read_to_end(&mut out).unwrap();
//! assert_eq!(out.len(), 8 << 20);
//! ```

use std::io::{self, Read};

/// The most a gzip input may expand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RatioLimit {
    /// Decompressed bytes allowed per compressed byte read; 0 turns the limit off.
    pub max_ratio: u64,
    /// Output up to this many bytes is always allowed, whatever the ratio (small files of
    /// repeated lines compress very well and are harmless).
    pub floor_bytes: u64,
}

impl Default for RatioLimit {
    /// 100×, after the first 64 MiB.
    fn default() -> Self {
        RatioLimit {
            max_ratio: 100,
            floor_bytes: 64 << 20,
        }
    }
}

impl RatioLimit {
    /// A decompressing reader over the gzip stream `compressed` (multi-member streams as
    /// written by `pigz` or concatenated `.gz` files are read whole). `name` appears in the
    /// error.
    pub fn reader<R: Read>(self, compressed: R, name: &str) -> LimitedGzReader<R> {
        let counted = Counted {
            inner: compressed,
            read: 0,
        };
        LimitedGzReader {
            decoder: flate2::read::MultiGzDecoder::new(io::BufReader::new(counted)),
            produced: 0,
            limit: self,
            name: name.to_string(),
        }
    }
}

/// Counts the compressed bytes the decoder has pulled.
struct Counted<R> {
    inner: R,
    read: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

/// A gzip decoder that fails once its output passes the [`RatioLimit`].
pub struct LimitedGzReader<R: Read> {
    decoder: flate2::read::MultiGzDecoder<io::BufReader<Counted<R>>>,
    produced: u64,
    limit: RatioLimit,
    name: String,
}

impl<R: Read> Read for LimitedGzReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.decoder.read(buf)?;
        self.produced += n as u64;
        if self.limit.max_ratio > 0 && self.produced > self.limit.floor_bytes {
            let compressed = self.decoder.get_ref().get_ref().read.max(1);
            if self.produced > compressed.saturating_mul(self.limit.max_ratio) {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "{}: gzip input expands more than {}× ({} bytes from {} compressed bytes); \
                         this looks like a decompression bomb, not text (raise --max-gzip-ratio, or 0 to turn the check off, if it is real)",
                        self.name, self.limit.max_ratio, self.produced, compressed
                    ),
                ));
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn ordinary_text_passes_and_multi_member_streams_are_read_whole() {
        let mut data = gz(b"{\"text\": \"one\"}\n");
        data.extend(gz(b"{\"text\": \"two\"}\n"));
        let mut out = String::new();
        RatioLimit::default()
            .reader(&data[..], "x.gz")
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "{\"text\": \"one\"}\n{\"text\": \"two\"}\n");
    }

    #[test]
    fn a_bomb_is_stopped_with_an_error_naming_the_input() {
        let data = gz(&vec![b'a'; 4 << 20]);
        let limit = RatioLimit {
            max_ratio: 100,
            floor_bytes: 1 << 20,
        };
        let mut out = Vec::new();
        let err = limit
            .reader(&data[..], "in/bomb.jsonl.gz")
            .read_to_end(&mut out)
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        let msg = err.to_string();
        assert!(
            msg.contains("in/bomb.jsonl.gz") && msg.contains("--max-gzip-ratio"),
            "{msg}"
        );
        // Stopped soon after the floor, not at the end.
        assert!(out.len() < 2 << 20, "{}", out.len());
        // Off switch.
        let off = RatioLimit {
            max_ratio: 0,
            ..limit
        };
        let mut out = Vec::new();
        off.reader(&data[..], "in/bomb.jsonl.gz")
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out.len(), 4 << 20);
    }

    #[test]
    fn corrupt_gzip_is_an_error_not_a_panic() {
        let mut data = gz(b"hello world\n");
        let n = data.len();
        data[n / 2] ^= 0xff;
        let mut out = Vec::new();
        assert!(RatioLimit::default()
            .reader(&data[..], "x.gz")
            .read_to_end(&mut out)
            .is_err());
    }
}
