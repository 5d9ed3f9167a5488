//! [`JoinHandle`]: the owner's view of a running thread (recipe 12.1's
//! `t.is_alive()`, `t.join()`, `t.join(timeout)` and daemon threads), and
//! [`StoppableHandle`], which adds the book's `terminate()`.

use std::fmt;
use std::sync::Arc;
use std::thread::{Thread, ThreadId};
use std::time::Duration;

use super::stop::{StopSource, StopToken};
use crate::sync::{Event, Oneshot, RecvError, WaitTimeoutError};

/// What a thread shares with its handle: the started event and the slot its
/// outcome (the value, or the panic message) arrives in.
pub(super) struct Shared<T> {
    pub(super) started: Event,
    pub(super) result: Oneshot<Result<T, String>>,
}

impl<T> Shared<T> {
    pub(super) fn new() -> Self {
        Self {
            started: Event::new(),
            result: Oneshot::new(),
        }
    }
}

/// Owns a thread started by [`Builder`](super::Builder) or [`spawn`](super::spawn).
///
/// The thread fills a spindle [`Oneshot`] when its closure ends (returning or
/// panicking), so [`is_alive`](Self::is_alive) is a load and
/// [`join_timeout`](Self::join_timeout) a timed wait on that slot. A panic in the
/// thread comes back from `join` as [`JoinError::Panicked`] with its message.
///
/// **Daemon threads.** Python keeps the interpreter alive until every non-daemon
/// thread ends. Rust never does: when `main` returns the process exits, and any
/// thread still running is stopped mid-flight. So every spindle thread is a
/// "daemon" in Python's sense once its handle is gone; dropping the handle (or
/// calling [`detach`](Self::detach), which says so explicitly) lets the thread run
/// on unobserved. Join the threads whose work must finish.
///
/// ```
/// use std::time::Duration;
/// use spindle_std::sync::Event;
/// use std::sync::Arc;
///
/// let go = Arc::new(Event::new());
/// let g = go.clone();
/// let mut t = spindle_std::thread::spawn(move || {
///     g.wait_blocking();
///     "finished"
/// })
/// .unwrap();
/// assert!(t.is_alive());
/// assert!(t.join_timeout(Duration::from_millis(10)).is_err()); // still running
/// go.set();
/// assert_eq!(t.join_timeout(Duration::from_secs(5)), Ok("finished"));
/// assert!(!t.is_alive());
/// ```
pub struct JoinHandle<T> {
    shared: Arc<Shared<T>>,
    native: Option<std::thread::JoinHandle<()>>,
    thread: Thread,
    joined: bool,
}

impl<T> JoinHandle<T> {
    pub(super) fn new(shared: Arc<Shared<T>>, native: std::thread::JoinHandle<()>) -> Self {
        Self {
            shared,
            thread: native.thread().clone(),
            native: Some(native),
            joined: false,
        }
    }

    /// Whether the thread's closure is still running (Python's `is_alive()`): false
    /// once it has returned or panicked, and after a successful join. A snapshot.
    pub fn is_alive(&self) -> bool {
        !self.joined && !self.shared.result.is_full() && !self.shared.result.is_closed()
    }

    /// Whether the thread has reported itself started (see
    /// [`Builder::spawn_started`](super::Builder::spawn_started)).
    pub fn is_started(&self) -> bool {
        self.shared.started.is_set()
    }

    /// Waits until the thread has started (recipe 12.2's `started_evt.wait()`).
    /// Returns at once if the thread already started or has finished.
    pub fn wait_started(&self) {
        self.shared.started.wait_blocking();
    }

    /// [`wait_started`](Self::wait_started) for at most `timeout`.
    ///
    /// ```
    /// use std::time::Duration;
    /// let t = spindle_std::thread::spawn(|| ()).unwrap();
    /// assert_eq!(t.wait_started_timeout(Duration::from_secs(5)), Ok(()));
    /// ```
    pub fn wait_started_timeout(&self, timeout: Duration) -> Result<(), WaitTimeoutError> {
        self.shared.started.wait_timeout(timeout)
    }

    /// Waits for the thread to finish and returns what its closure returned, or
    /// [`JoinError::Panicked`] with the panic's message.
    ///
    /// ```
    /// use spindle_std::thread::{spawn, JoinError};
    ///
    /// let t = spawn(|| -> u32 { panic!("boom") }).unwrap();
    /// match t.join() {
    ///     Err(JoinError::Panicked { message, .. }) => assert_eq!(message, "boom"),
    ///     other => unreachable!("{other:?}"),
    /// }
    /// ```
    pub fn join(mut self) -> Result<T, JoinError> {
        if self.joined {
            return Err(JoinError::AlreadyJoined);
        }
        self.joined = true;
        let native = self.native.take();
        let escaped = native.and_then(|n| n.join().err());
        match self.shared.result.try_recv() {
            Ok(outcome) => outcome.map_err(|message| self.panicked(message)),
            Err(_) => Err(self.lost(escaped)),
        }
    }

    /// Waits at most `timeout` for the thread to finish (Python's `join(timeout)`,
    /// without the need to call `is_alive()` afterwards): the closure's value,
    /// [`JoinError::TimedOut`] if it is still running (the handle stays usable: join
    /// again later), or [`JoinError::Panicked`]. After a successful join, later
    /// calls report [`JoinError::AlreadyJoined`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use spindle_std::thread::{spawn, JoinError};
    ///
    /// let mut t = spawn(|| std::thread::sleep(Duration::from_millis(20))).unwrap();
    /// let mut waits = 0;
    /// while let Err(JoinError::TimedOut) = t.join_timeout(Duration::from_millis(1)) {
    ///     waits += 1; // do something else meanwhile
    /// }
    /// assert!(!t.is_alive());
    /// assert_eq!(t.join_timeout(Duration::ZERO), Err(JoinError::AlreadyJoined));
    /// ```
    pub fn join_timeout(&mut self, timeout: Duration) -> Result<T, JoinError> {
        if self.joined {
            return Err(JoinError::AlreadyJoined);
        }
        match self.shared.result.recv_timeout(timeout) {
            Ok(outcome) => {
                self.joined = true;
                // The closure is over; what is left of the thread (thread-local
                // destructors, exit) finishes on its own, detached.
                self.native = None;
                outcome.map_err(|message| self.panicked(message))
            }
            Err(RecvError::TimedOut) | Err(RecvError::Empty) => Err(JoinError::TimedOut),
            Err(_) => {
                // The thread ended without delivering its outcome.
                self.joined = true;
                let escaped = self.native.take().and_then(|n| n.join().err());
                Err(self.lost(escaped))
            }
        }
    }

    /// Lets the thread run on unobserved: Python's daemon thread. The process does
    /// not wait for it (no Rust process does), and nobody learns its result.
    ///
    /// ```
    /// let t = spindle_std::thread::Builder::new()
    ///     .name("background")
    ///     .spawn(|| loop {
    ///         std::thread::sleep(std::time::Duration::from_millis(50));
    ///     })
    ///     .unwrap();
    /// t.detach(); // main may return; the loop dies with the process
    /// ```
    pub fn detach(self) {}

    /// The thread's name, if it was given one.
    pub fn name(&self) -> Option<&str> {
        self.thread.name()
    }

    /// The thread's unique id.
    pub fn id(&self) -> ThreadId {
        self.thread.id()
    }

    /// The underlying [`std::thread::Thread`] (to `unpark` it, for example).
    pub fn thread(&self) -> &Thread {
        &self.thread
    }

    /// The error for a thread that ended without delivering its outcome.
    fn lost(&self, escaped: Option<Box<dyn std::any::Any + Send>>) -> JoinError {
        self.panicked(escaped.map_or_else(
            || "the thread ended without a result".to_owned(),
            |p| crate::panic::panic_message(&*p),
        ))
    }

    fn panicked(&self, message: String) -> JoinError {
        JoinError::Panicked {
            thread: self.thread.name().map(str::to_owned),
            message,
        }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("name", &self.name())
            .field("id", &self.id())
            .field("alive", &self.is_alive())
            .finish()
    }
}

/// A [`JoinHandle`] with the [`StopSource`] of the thread's [`StopToken`]: the book's
/// `CountdownTask` with `terminate()`. Made by
/// [`Builder::spawn_stoppable`](super::Builder::spawn_stoppable).
///
/// Dropping it neither stops nor joins the thread (see [`JoinHandle`] on daemon
/// threads); call [`stop_and_join`](Self::stop_and_join) for that.
///
/// ```
/// use std::time::Duration;
/// use spindle_std::thread::Builder;
///
/// let t = Builder::new()
///     .spawn_stoppable(|stop| {
///         let mut n = 10;
///         while n > 0 && !stop.is_stopped() {
///             n -= 1; // 'T-minus', n
///             let _ = stop.sleep(Duration::from_millis(5));
///         }
///         n
///     })
///     .unwrap();
/// t.stop(); // c.terminate()
/// let left = t.join().unwrap(); // t.join()
/// assert!(left > 0);
/// ```
#[derive(Debug)]
pub struct StoppableHandle<T> {
    handle: JoinHandle<T>,
    source: StopSource,
}

impl<T> StoppableHandle<T> {
    pub(super) fn new(handle: JoinHandle<T>, source: StopSource) -> Self {
        Self { handle, source }
    }

    /// Asks the thread to stop at its next safe point (Python's `terminate()`).
    pub fn stop(&self) {
        self.source.stop();
    }

    /// Whether a stop has been asked for.
    pub fn is_stopped(&self) -> bool {
        self.source.is_stopped()
    }

    /// Another token for the same stop request (to hand to helpers of the thread).
    pub fn token(&self) -> StopToken {
        self.source.token()
    }

    /// The stop source, to share with whoever else may stop the thread.
    pub fn stop_source(&self) -> &StopSource {
        &self.source
    }

    /// See [`JoinHandle::is_alive`].
    pub fn is_alive(&self) -> bool {
        self.handle.is_alive()
    }

    /// See [`JoinHandle::join`]. Does not ask the thread to stop.
    pub fn join(self) -> Result<T, JoinError> {
        self.handle.join()
    }

    /// See [`JoinHandle::join_timeout`]. Does not ask the thread to stop.
    pub fn join_timeout(&mut self, timeout: Duration) -> Result<T, JoinError> {
        self.handle.join_timeout(timeout)
    }

    /// Asks the thread to stop, then waits for it.
    pub fn stop_and_join(self) -> Result<T, JoinError> {
        self.stop();
        self.join()
    }

    /// The plain thread handle.
    pub fn handle(&self) -> &JoinHandle<T> {
        &self.handle
    }

    /// The plain thread handle, mutably.
    pub fn handle_mut(&mut self) -> &mut JoinHandle<T> {
        &mut self.handle
    }

    /// Splits into the thread handle and the stop source.
    pub fn into_parts(self) -> (JoinHandle<T>, StopSource) {
        (self.handle, self.source)
    }
}

/// Joining a thread did not produce its value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JoinError {
    /// The thread's closure panicked; the panic is caught in the thread and comes
    /// back as this value.
    Panicked {
        /// The thread's name, if it had one.
        thread: Option<String>,
        /// The panic message (the `&str` or `String` it was raised with).
        message: String,
    },
    /// [`JoinHandle::join_timeout`] gave up: the thread is still running.
    TimedOut,
    /// The thread's value was already taken by an earlier join.
    AlreadyJoined,
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Panicked {
                thread: Some(name),
                message,
            } => write!(f, "thread '{name}' panicked: {message}"),
            JoinError::Panicked {
                thread: None,
                message,
            } => write!(f, "thread panicked: {message}"),
            JoinError::TimedOut => f.write_str("the thread is still running after the timeout"),
            JoinError::AlreadyJoined => f.write_str("the thread was already joined"),
        }
    }
}

impl std::error::Error for JoinError {}
