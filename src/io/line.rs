//! Line reading with a hard bound on memory.

use std::io::{self, BufRead};

/// Reads one line (without its `\n` or `\r\n`) into `buf`, keeping at most `limit` bytes.
///
/// Returns `Ok(None)` at end of input, otherwise `Ok(Some(overflow))` where `overflow` is
/// true when the line was longer than `limit`: the rest of it up to the newline is read and
/// discarded without being buffered, so a gigabyte without a newline costs `limit` bytes.
pub fn read_bounded_line<R: BufRead + ?Sized>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    limit: usize,
) -> io::Result<Option<bool>> {
    buf.clear();
    let mut overflow = false;
    let mut read_any = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            break;
        }
        read_any = true;
        let (chunk, used, done) = match memchr(b'\n', available) {
            Some(i) => (&available[..i], i + 1, true),
            None => (available, available.len(), false),
        };
        let room = limit.saturating_sub(buf.len());
        if chunk.len() > room {
            overflow = true;
        }
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        reader.consume(used);
        if done {
            break;
        }
    }
    if !read_any {
        return Ok(None);
    }
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    Ok(Some(overflow))
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_lines_and_strips_crlf() {
        let mut r = io::Cursor::new(b"a\r\nbb\n\nccc".to_vec());
        let mut buf = Vec::new();
        let mut out = Vec::new();
        while let Some(over) = read_bounded_line(&mut r, &mut buf, 100).unwrap() {
            assert!(!over);
            out.push(String::from_utf8(buf.clone()).unwrap());
        }
        assert_eq!(out, ["a", "bb", "", "ccc"]);
    }

    #[test]
    fn long_line_is_cut_at_the_limit_and_the_next_line_survives() {
        let mut data = vec![b'x'; 100_000];
        data.extend_from_slice(b"\nnext\n");
        let mut r = io::BufReader::with_capacity(64, io::Cursor::new(data));
        let mut buf = Vec::new();
        assert_eq!(read_bounded_line(&mut r, &mut buf, 10).unwrap(), Some(true));
        assert_eq!(buf.len(), 10);
        assert!(buf.capacity() < 1000, "the overflow was not buffered");
        assert_eq!(
            read_bounded_line(&mut r, &mut buf, 10).unwrap(),
            Some(false)
        );
        assert_eq!(buf, b"next");
        assert_eq!(read_bounded_line(&mut r, &mut buf, 10).unwrap(), None);
    }
}
