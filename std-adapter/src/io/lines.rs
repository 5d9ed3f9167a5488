//! [`LineReader`]: reads `\n`-terminated lines from a [`TcpStream`] with a limit on
//! their length (the book's `readline(sock)` generator, without its one-byte
//! `recv`s: bytes are read in chunks and kept for the next line).

use std::fmt;

use super::error::ReadLineError;
use super::stream::TcpStream;

/// How many bytes one read asks for.
const CHUNK: usize = 4096;

/// Reads lines from a stream, buffering what arrives after a line for the next.
///
/// ```
/// use spindle_core::sched::Scheduler;
/// use spindle_std::io::{LineReader, Reactor, TcpListener};
/// use std::io::Write;
///
/// let reactor = Reactor::new().unwrap();
/// let listener = TcpListener::bind(&reactor, "127.0.0.1:0").unwrap();
/// let addr = listener.local_addr().unwrap();
/// let client = std::thread::spawn(move || {
///     let mut c = std::net::TcpStream::connect(addr).unwrap();
///     c.write_all(b"one\ntwo\n").unwrap();
/// });
/// let sched: Scheduler<1> = Scheduler::new();
/// sched.spawn_boxed(async move {
///     let (s, _) = listener.accept().await.unwrap();
///     let mut lines = LineReader::new(&s);
///     let mut line = Vec::new();
///     for want in [&b"one\n"[..], b"two\n", b""] {
///         line.clear();
///         lines.read_line(&mut line, 64).await.unwrap();
///         assert_eq!(line, want);
///     }
/// }).unwrap();
/// reactor.run(&sched);
/// client.join().unwrap();
/// ```
pub struct LineReader<'s> {
    stream: &'s TcpStream,
    /// Received bytes live in `buf[start..end]`; the rest is room for reads (kept
    /// initialised, so it is zeroed once, not per read).
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

impl<'s> LineReader<'s> {
    /// A reader of `stream`'s lines.
    ///
    /// ```no_run
    /// # fn f(s: &spindle_std::io::TcpStream) {
    /// let lines = spindle_std::io::LineReader::new(s);
    /// # drop(lines); }
    /// ```
    pub fn new(stream: &'s TcpStream) -> Self {
        Self {
            stream,
            buf: Vec::new(),
            start: 0,
            end: 0,
        }
    }

    /// Bytes received but not returned yet.
    ///
    /// ```no_run
    /// # fn f(s: &spindle_std::io::TcpStream) {
    /// assert!(spindle_std::io::LineReader::new(s).buffered().is_empty());
    /// # }
    /// ```
    pub fn buffered(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Appends the next line, newline included, to `line`: its length, or `Ok(0)`
    /// at a clean end of the stream (the peer closed between lines). A line may
    /// have at most `max` bytes, newline included: more is
    /// [`ReadLineError::TooLong`] (nothing is appended; the connection is best
    /// closed). A peer that closes in the middle of a line gives
    /// [`ReadLineError::ClosedMidLine`], with the partial line appended.
    ///
    /// ```no_run
    /// # async fn f(s: &spindle_std::io::TcpStream) -> Result<(), spindle_std::io::ReadLineError> {
    /// let mut lines = spindle_std::io::LineReader::new(s);
    /// let mut line = Vec::new();
    /// while lines.read_line(&mut line, 8192).await? > 0 {
    ///     line.clear();
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn read_line(
        &mut self,
        line: &mut Vec<u8>,
        max: usize,
    ) -> Result<usize, ReadLineError> {
        // How far the received bytes were searched for a newline already.
        let mut scanned = 0;
        loop {
            let pending = &self.buf[self.start..self.end];
            if let Some(i) = pending[scanned..].iter().position(|&b| b == b'\n') {
                let len = scanned + i + 1;
                if len > max {
                    return Err(ReadLineError::TooLong { limit: max });
                }
                line.extend_from_slice(&pending[..len]);
                self.start += len;
                return Ok(len);
            }
            scanned = pending.len();
            if scanned >= max {
                return Err(ReadLineError::TooLong { limit: max });
            }
            self.make_room();
            let n = self.stream.read(&mut self.buf[self.end..]).await?;
            if n == 0 {
                let rest = &self.buf[self.start..self.end];
                if rest.is_empty() {
                    return Ok(0);
                }
                let len = rest.len();
                line.extend_from_slice(rest);
                self.start = self.end;
                return Err(ReadLineError::ClosedMidLine { len });
            }
            self.end += n;
        }
    }

    /// Makes room for a read after the received bytes: moves them to the front
    /// (the buffer never holds more than a line and a chunk), growing the buffer
    /// only for a line longer than it.
    fn make_room(&mut self) {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        if self.buf.len() - self.end >= CHUNK / 2 {
            return;
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.buf.len() - self.end < CHUNK / 2 {
            let grown = (self.buf.len() * 2).max(CHUNK);
            self.buf.resize(grown, 0);
        }
    }
}

impl fmt::Debug for LineReader<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LineReader")
            .field("stream", self.stream)
            .field("buffered", &self.buffered().len())
            .finish()
    }
}
