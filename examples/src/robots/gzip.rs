//! Opening a `.log.gz` file as a stream of its decompressed bytes.
//!
//! Every member of the file is read, one after another, as `zcat` does (files
//! made with `cat a.gz b.gz`, pigz or logrotate have several). Decompression is
//! flate2 with its zlib-rs backend; the compressed side is read through one large
//! buffer whose refills are counted, so a progress bar can show bytes done.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use flate2::bufread::MultiGzDecoder;

/// The two bytes every gzip member starts with (RFC 1952).
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// How much compressed input is read from the file at once.
const INPUT_BUFFER: usize = 256 * 1024;

/// Why a file could not be opened as gzip.
#[derive(Debug)]
pub enum OpenError {
    /// The file could not be opened or read.
    Io(io::Error),
    /// The file is empty or does not start with the gzip magic bytes.
    NotGzip,
}

/// A [`Read`] that reports how many bytes passed through it.
struct Counting<R, F> {
    inner: R,
    on_bytes: F,
}

impl<R: Read, F: FnMut(u64)> Read for Counting<R, F> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        (self.on_bytes)(n as u64);
        Ok(n)
    }
}

/// The decompressed bytes of every member of a gzip file, in order.
///
/// `on_bytes` is called with the number of compressed bytes each time the input
/// buffer is refilled. A file that ends inside a member reads as an error of kind
/// [`io::ErrorKind::UnexpectedEof`].
///
/// ```
/// use std::io::{Read, Write};
///
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("a.log.gz");
/// let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
/// gz.write_all(b"one line\n").unwrap();
/// std::fs::write(&path, gz.finish().unwrap()).unwrap();
///
/// let mut text = String::new();
/// spindle_cookbook::robots::gzip::open(&path, |_| {})
///     .unwrap()
///     .read_to_string(&mut text)
///     .unwrap();
/// assert_eq!(text, "one line\n");
/// ```
pub fn open(path: &Path, on_bytes: impl FnMut(u64)) -> Result<impl Read, OpenError> {
    let file = File::open(path).map_err(OpenError::Io)?;
    let mut input = BufReader::with_capacity(
        INPUT_BUFFER,
        Counting {
            inner: file,
            on_bytes,
        },
    );
    // Look at the first bytes ourselves: "not gzip" is clearer than a header error.
    let head = input.fill_buf().map_err(OpenError::Io)?;
    // A regular file fills the buffer unless it is shorter than it, so fewer than
    // two bytes here means a file too short to be gzip.
    if head.len() < GZIP_MAGIC.len() || head[..2] != GZIP_MAGIC {
        return Err(OpenError::NotGzip);
    }
    Ok(MultiGzDecoder::new(input))
}
