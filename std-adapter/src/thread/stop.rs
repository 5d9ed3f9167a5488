//! [`StopSource`] and [`StopToken`]: cooperative termination of a thread at safe
//! points. Recipe 12.1's `CountdownTask` (a `_running` flag the loop polls) and its
//! `IOTask` (a blocking socket read with a timeout, checking the flag between
//! reads), with sleeps that end early when a stop is asked for.
//!
//! Python cannot kill a thread, and neither can Rust: the thread must look. The
//! token is an [`Event`] shared by every clone, so it can also be *waited on*,
//! which a Python flag cannot.

use std::fmt;
use std::io::{self, Read};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::sync::Event;

/// The side that asks for a stop (the book's `terminate()`). Clones share the
/// request; hand out [`StopToken`]s to the threads that must obey it.
///
/// ```
/// use spindle_std::thread::StopSource;
///
/// let stop = StopSource::new();
/// let token = stop.token();
/// assert!(!token.is_stopped());
/// stop.stop();
/// assert!(token.is_stopped());
/// assert!(token.check().is_err());
/// ```
#[derive(Clone, Default)]
pub struct StopSource {
    flag: Arc<Event>,
}

impl StopSource {
    /// A source with no stop requested.
    pub fn new() -> Self {
        Self::default()
    }

    /// A token observing this source's stop request.
    pub fn token(&self) -> StopToken {
        StopToken {
            flag: Arc::clone(&self.flag),
        }
    }

    /// Asks every token's thread to stop at its next safe point, and wakes the
    /// threads sleeping or waiting on a token. Idempotent.
    pub fn stop(&self) {
        self.flag.set();
    }

    /// Whether a stop has been asked for.
    pub fn is_stopped(&self) -> bool {
        self.flag.is_set()
    }
}

impl fmt::Debug for StopSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StopSource")
            .field("stopped", &self.is_stopped())
            .finish()
    }
}

/// The thread's side of a stop request: check it at safe points, sleep on it, or
/// read through it. Clones observe the same request.
///
/// ```
/// use std::time::Duration;
/// use spindle_std::thread::{spawn, StopSource, Stopped};
///
/// let stop = StopSource::new();
/// let token = stop.token();
/// let t = spawn(move || -> Result<u32, Stopped> {
///     let mut n = 0;
///     loop {
///         token.check()?;                           // a safe point
///         n += 1;
///         token.sleep(Duration::from_millis(1))?;   // wakes early on stop
///     }
/// })
/// .unwrap();
/// stop.stop();
/// assert_eq!(t.join().unwrap(), Err(Stopped));
/// ```
#[derive(Clone)]
pub struct StopToken {
    flag: Arc<Event>,
}

impl StopToken {
    /// Whether a stop has been asked for (the book's `while self._running`).
    pub fn is_stopped(&self) -> bool {
        self.flag.is_set()
    }

    /// `Err(Stopped)` once a stop has been asked for, for `?` at safe points.
    pub fn check(&self) -> Result<(), Stopped> {
        if self.is_stopped() {
            Err(Stopped)
        } else {
            Ok(())
        }
    }

    /// Sleeps for `duration`, or less if a stop is asked for meanwhile: `Ok(())`
    /// after the full sleep, `Err(Stopped)` (at once, or as soon as the stop comes)
    /// otherwise. The book's `time.sleep(5)` in the countdown loop, without making
    /// `terminate()` wait up to five seconds.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use spindle_std::thread::{StopSource, Stopped};
    ///
    /// let stop = StopSource::new();
    /// assert_eq!(stop.token().sleep(Duration::from_millis(1)), Ok(()));
    /// stop.stop();
    /// let t0 = Instant::now();
    /// assert_eq!(stop.token().sleep(Duration::from_secs(60)), Err(Stopped));
    /// assert!(t0.elapsed() < Duration::from_secs(60));
    /// ```
    pub fn sleep(&self, duration: Duration) -> Result<(), Stopped> {
        self.check()?;
        match self.flag.wait_timeout(duration) {
            Ok(()) => Err(Stopped),
            Err(_) => Ok(()),
        }
    }

    /// [`sleep`](Self::sleep) until `deadline` (for drift-free periodic loops).
    pub fn sleep_until(&self, deadline: Instant) -> Result<(), Stopped> {
        self.sleep(deadline.saturating_duration_since(Instant::now()))
    }

    /// Waits until a stop is asked for.
    pub async fn wait(&self) {
        self.flag.wait().await;
    }

    /// Waits until a stop is asked for, blocking the thread.
    pub fn wait_blocking(&self) {
        self.flag.wait_blocking();
    }

    /// Waits at most `timeout` for a stop request: `Ok(())` if one came.
    pub fn wait_timeout(&self, timeout: Duration) -> Result<(), crate::sync::WaitTimeoutError> {
        self.flag.wait_timeout(timeout)
    }

    /// One read from `reader` that a stop can interrupt: recipe 12.1's `IOTask`
    /// loop. Give the reader a read timeout first (for a socket,
    /// [`TcpStream::set_read_timeout`](std::net::TcpStream::set_read_timeout), the
    /// book's `sock.settimeout`); each time a read times out (or is interrupted by a
    /// signal) the token is checked and the read retried. Returns the bytes read
    /// (`Ok(0)` is end of stream), [`ReadError::Stopped`] once a stop is asked for,
    /// or the I/O error.
    ///
    /// The read timeout bounds how long a stop can go unnoticed. Without one the
    /// read blocks until data arrives; a reader in non-blocking mode makes this
    /// loop spin.
    ///
    /// ```
    /// use std::io::Write;
    /// use std::net::{TcpListener, TcpStream};
    /// use std::time::Duration;
    /// use spindle_std::thread::{Builder, ReadError};
    ///
    /// let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    /// let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    /// let (mut sock, _) = listener.accept().unwrap();
    /// sock.set_read_timeout(Some(Duration::from_millis(10))).unwrap();
    ///
    /// let reader = Builder::new()
    ///     .spawn_stoppable(move |stop| {
    ///         let mut buf = [0u8; 8192];
    ///         let mut got = Vec::new();
    ///         loop {
    ///             match stop.read(&mut sock, &mut buf) {
    ///                 Ok(0) => break,                   // peer closed
    ///                 Ok(n) => got.extend_from_slice(&buf[..n]),
    ///                 Err(ReadError::Stopped) => break, // terminate()
    ///                 Err(ReadError::Io(e)) => return Err(e),
    ///             }
    ///         }
    ///         Ok(got)
    ///     })
    ///     .unwrap();
    /// client.write_all(b"ping").unwrap();
    /// std::thread::sleep(Duration::from_millis(30));
    /// let got = reader.stop_and_join().unwrap().unwrap();
    /// assert_eq!(got, b"ping");
    /// ```
    pub fn read<R: Read + ?Sized>(
        &self,
        reader: &mut R,
        buf: &mut [u8],
    ) -> Result<usize, ReadError> {
        loop {
            self.check()?;
            match reader.read(buf) {
                Ok(n) => return Ok(n),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock
                            | io::ErrorKind::TimedOut
                            | io::ErrorKind::Interrupted
                    ) => {}
                Err(e) => return Err(ReadError::Io(e)),
            }
        }
    }
}

impl fmt::Debug for StopToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StopToken")
            .field("stopped", &self.is_stopped())
            .finish()
    }
}

/// A stop was asked for: the thread should wind down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stopped;

impl fmt::Display for Stopped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a stop was requested")
    }
}

impl std::error::Error for Stopped {}

/// A [`StopToken::read`] ended without data.
#[derive(Debug)]
pub enum ReadError {
    /// A stop was asked for before data arrived.
    Stopped,
    /// The read failed (other than by timing out, which is retried).
    Io(io::Error),
}

impl From<Stopped> for ReadError {
    fn from(_: Stopped) -> Self {
        ReadError::Stopped
    }
}

impl From<ReadError> for io::Error {
    /// A stop becomes an [`io::ErrorKind::Interrupted`] error, for code that
    /// speaks `io::Result`.
    fn from(e: ReadError) -> Self {
        match e {
            ReadError::Stopped => io::Error::new(io::ErrorKind::Interrupted, Stopped),
            ReadError::Io(e) => e,
        }
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Stopped => f.write_str("a stop was requested before data arrived"),
            ReadError::Io(e) => write!(f, "read failed: {e}"),
        }
    }
}

impl std::error::Error for ReadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReadError::Io(e) => Some(e),
            ReadError::Stopped => None,
        }
    }
}
