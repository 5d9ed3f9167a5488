//! The per-file scan: one `.log.gz` file in, its distinct robots.txt hosts and
//! line counts out (the book's `find_robots(filename)`).
//!
//! This is the hot path and the unit of work the three run modes share. The
//! argument ([`ScanJob`]) and the result (`Result<FileScan, ScanError>`) are plain
//! serde values, so the same function runs in a thread, in a loop, or as a named
//! task in a worker process. Decompressed text is read into one large buffer and
//! cut into lines in place: no allocation per line, one per distinct host.

use std::collections::HashSet;
use std::fmt;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::gzip::{self, OpenError};
use super::line::{parse_line, Line};

/// How much decompressed text is held at once.
const TEXT_BUFFER: usize = 1 << 20;

/// A line longer than this is not buffered whole: it is skipped and counted.
pub const MAX_LINE: usize = 16 << 20;

/// The argument of one scan: the file to read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanJob {
    /// The `.log.gz` file.
    pub path: PathBuf,
}

/// Line counts of one file (or, added up, of a whole run).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineCounts {
    /// Every line, malformed ones included.
    pub lines: u64,
    /// Lines whose field 6 is exactly `/robots.txt`.
    pub robots: u64,
    /// Empty or blank lines and lines with fewer than seven fields: skipped.
    pub short: u64,
    /// Lines that are not valid UTF-8: still judged, on their bytes.
    pub not_utf8: u64,
    /// Lines longer than [`MAX_LINE`]: skipped.
    pub overlong: u64,
    /// Decompressed bytes.
    pub text_bytes: u64,
}

impl LineCounts {
    /// Adds another file's counts to these.
    pub fn add(&mut self, other: &LineCounts) {
        self.lines += other.lines;
        self.robots += other.robots;
        self.short += other.short;
        self.not_utf8 += other.not_utf8;
        self.overlong += other.overlong;
        self.text_bytes += other.text_bytes;
    }
}

/// What one file held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileScan {
    /// The file scanned.
    pub path: PathBuf,
    /// Its distinct robots.txt hosts, as bytes, sorted.
    pub hosts: Vec<Vec<u8>>,
    /// Its line counts.
    pub counts: LineCounts,
    /// Its size on disk (compressed bytes read).
    pub file_bytes: u64,
}

/// Why a file could not be scanned. Displays with the file's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanError {
    /// The file.
    pub path: PathBuf,
    /// What went wrong.
    pub kind: ScanErrorKind,
}

/// The ways a scan fails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScanErrorKind {
    /// The file could not be opened or read (missing, no permission, a directory).
    Open(String),
    /// The file does not start with the gzip magic bytes (or is under two bytes).
    NotGzip,
    /// The file ends inside a gzip member.
    Truncated,
    /// The compressed data is damaged, or reading failed part way.
    Corrupt(String),
    /// The worker that ran the scan failed (a pool's error, in words).
    Worker(String),
}

impl fmt::Display for ScanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.display();
        match &self.kind {
            ScanErrorKind::Open(e) => write!(f, "{path}: cannot read: {e}"),
            ScanErrorKind::NotGzip => write!(f, "{path}: not a gzip file"),
            ScanErrorKind::Truncated => {
                write!(f, "{path}: truncated gzip file (unexpected end of data)")
            }
            ScanErrorKind::Corrupt(e) => write!(f, "{path}: damaged gzip data: {e}"),
            ScanErrorKind::Worker(e) => write!(f, "{path}: the scan failed: {e}"),
        }
    }
}

impl std::error::Error for ScanError {}

impl ScanError {
    fn new(path: &Path, kind: ScanErrorKind) -> Self {
        ScanError {
            path: path.to_path_buf(),
            kind,
        }
    }
}

/// [`scan_file`] as a process-pool task, registered in the cookbook's worker
/// registry ([`crate::workers::registry`]).
#[cfg(unix)]
pub const SCAN: spindle_std::process::Task<ScanJob, Result<FileScan, ScanError>> =
    spindle_std::process::Task::new("robots.scan", scan_file);

/// Scans one file: the function a pool runs, one call per file.
///
/// ```
/// use std::io::Write;
/// use spindle_cookbook::robots::scan::{scan_file, ScanJob};
///
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("a.log.gz");
/// let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
/// gz.write_all(b"1.2.3.4 - - [01/Jul/2012:00:00:00 +0000] \"GET /robots.txt HTTP/1.1\" 200 7\n")
///     .unwrap();
/// gz.write_all(b"short line\n").unwrap();
/// std::fs::write(&path, gz.finish().unwrap()).unwrap();
///
/// let scan = scan_file(ScanJob { path }).unwrap();
/// assert_eq!(scan.hosts, [b"1.2.3.4".to_vec()]);
/// assert_eq!((scan.counts.lines, scan.counts.short), (2, 1));
/// ```
pub fn scan_file(job: ScanJob) -> Result<FileScan, ScanError> {
    scan_file_with(&job.path, |_| {})
}

/// [`scan_file`], calling `on_bytes` with each batch of compressed bytes read
/// (for a progress bar).
pub fn scan_file_with(path: &Path, on_bytes: impl FnMut(u64)) -> Result<FileScan, ScanError> {
    let mut file_bytes = 0u64;
    let mut on_bytes = on_bytes;
    let reader = gzip::open(path, |n| {
        file_bytes += n;
        on_bytes(n);
    })
    .map_err(|e| match e {
        OpenError::Io(e) => ScanError::new(path, ScanErrorKind::Open(e.to_string())),
        OpenError::NotGzip => ScanError::new(path, ScanErrorKind::NotGzip),
    })?;
    let mut tally = Tally::default();
    let result = scan_text(reader, &mut tally);
    // The reader (and its borrow of `file_bytes`) ends here.
    result.map_err(|e| {
        let kind = match e.kind() {
            io::ErrorKind::UnexpectedEof => ScanErrorKind::Truncated,
            _ => ScanErrorKind::Corrupt(e.to_string()),
        };
        ScanError::new(path, kind)
    })?;
    let mut hosts: Vec<Vec<u8>> = tally.hosts.into_iter().collect();
    hosts.sort_unstable();
    Ok(FileScan {
        path: path.to_path_buf(),
        hosts,
        counts: tally.counts,
        file_bytes,
    })
}

/// What a scan has found so far.
#[derive(Debug, Default)]
pub struct Tally {
    /// Distinct robots.txt hosts.
    pub hosts: HashSet<Vec<u8>>,
    /// Line counts.
    pub counts: LineCounts,
}

impl Tally {
    /// Judges one line (without its newline) and records it.
    #[inline]
    fn line(&mut self, line: &[u8]) {
        self.counts.lines += 1;
        match parse_line(line) {
            Line::Robots { host } => {
                self.counts.robots += 1;
                if !self.hosts.contains(host) {
                    self.hosts.insert(host.to_vec());
                }
            }
            Line::Other => {}
            Line::Short => self.counts.short += 1,
        }
    }

    /// Records a run of whole lines, each ending in `\n` (the last may lack it).
    fn lines(&mut self, text: &[u8]) {
        self.counts.text_bytes += text.len() as u64;
        self.counts.not_utf8 += lines_not_utf8(text);
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', text) {
            self.line(&text[start..end]);
            start = end + 1;
        }
        if start < text.len() {
            self.line(&text[start..]);
        }
    }
}

/// How many of the `\n`-separated lines of `text` are not valid UTF-8.
///
/// A newline is never part of a multi-byte sequence, so validating the whole
/// block finds exactly the bad lines: one validation call per bad line, instead
/// of one per line.
fn lines_not_utf8(text: &[u8]) -> u64 {
    let mut bad = 0;
    let mut rest = text;
    while let Err(e) = std::str::from_utf8(rest) {
        bad += 1;
        let at = e.valid_up_to();
        match memchr::memchr(b'\n', &rest[at..]) {
            Some(i) => rest = &rest[at + i + 1..],
            None => break,
        }
    }
    bad
}

/// Reads decompressed log text to its end, recording every line in `tally`.
///
/// ```
/// use spindle_cookbook::robots::scan::{scan_text, Tally};
///
/// let text = b"h 1 2 3 4 5 /robots.txt\n\nh2 1 2 3 4 5 /x\n\xff 1 2 3 4 5 /robots.txt";
/// let mut tally = Tally::default();
/// scan_text(&text[..], &mut tally).unwrap();
/// assert_eq!(tally.counts.lines, 4);
/// assert_eq!((tally.counts.robots, tally.counts.short, tally.counts.not_utf8), (2, 1, 1));
/// assert!(tally.hosts.contains(&b"\xff"[..]));
/// ```
pub fn scan_text(mut reader: impl Read, tally: &mut Tally) -> io::Result<()> {
    let mut buf = vec![0u8; TEXT_BUFFER];
    // buf[..filled] holds text not yet judged: at most one partial line.
    let mut filled = 0;
    // Inside a line longer than MAX_LINE: drop bytes up to its newline.
    let mut skipping = false;
    loop {
        if filled == buf.len() {
            if buf.len() < MAX_LINE {
                buf.resize(buf.len() * 2, 0);
            } else {
                tally.counts.lines += 1;
                tally.counts.overlong += 1;
                tally.counts.text_bytes += filled as u64;
                filled = 0;
                skipping = true;
            }
        }
        let n = match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let from = filled;
        filled += n;
        if skipping {
            let Some(i) = memchr::memchr(b'\n', &buf[from..filled]) else {
                tally.counts.text_bytes += n as u64;
                filled = 0;
                continue;
            };
            // The long line ends here: drop it, keep what follows.
            tally.counts.text_bytes += (i + 1) as u64;
            let keep = from + i + 1;
            buf.copy_within(keep..filled, 0);
            filled -= keep;
            skipping = false;
        }
        // Judge every whole line; keep the partial one at the end for next time.
        if let Some(last) = memchr::memrchr(b'\n', &buf[..filled]) {
            tally.lines(&buf[..last + 1]);
            buf.copy_within(last + 1..filled, 0);
            filled -= last + 1;
        }
    }
    if !skipping && filled > 0 {
        tally.lines(&buf[..filled]);
    }
    Ok(())
}
