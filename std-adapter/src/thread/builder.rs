//! [`Builder`]: spawning OS threads with a name and a stack size (recipe 12.1's
//! `Thread(target=..., name=...)` and `threading.stack_size`), and the started-event
//! helper of recipe 12.2 ([`Builder::spawn_started`]).

use std::fmt;
use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use super::handle::{JoinHandle, Shared, StoppableHandle};
use super::stop::{StopSource, StopToken};
use crate::sync::Event;

/// Configures a thread before it starts: its name (shown by debuggers, in panic
/// messages and in [`JoinError`](super::JoinError)) and its stack size.
///
/// Python sets the stack size for *every* later thread with
/// `threading.stack_size(n)`; here it is a per-thread setting, and threads without
/// one get the platform default (or `RUST_MIN_STACK`).
///
/// ```
/// use spindle_std::thread::Builder;
///
/// let t = Builder::new()
///     .name("cruncher")
///     .stack_size(256 * 1024)
///     .spawn(|| std::thread::current().name().map(str::to_owned))
///     .unwrap();
/// assert_eq!(t.name(), Some("cruncher"));
/// assert_eq!(t.join().unwrap().as_deref(), Some("cruncher"));
/// ```
#[derive(Debug, Clone, Default)]
#[must_use = "a Builder does nothing until `spawn` is called"]
pub struct Builder {
    name: Option<String>,
    stack_size: Option<usize>,
}

impl Builder {
    /// A builder with no name and the default stack size.
    pub fn new() -> Self {
        Self::default()
    }

    /// Names the thread. A name containing a NUL byte makes `spawn` fail with
    /// [`SpawnError::InvalidName`].
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Asks for a stack of at least `bytes` bytes (the platform rounds it up to its
    /// minimum and page size). A size the OS refuses makes `spawn` fail with
    /// [`SpawnError::Os`].
    pub fn stack_size(mut self, bytes: usize) -> Self {
        self.stack_size = Some(bytes);
        self
    }

    /// Starts `f` on a new thread. The handle reports the thread started as soon as
    /// `f` begins.
    ///
    /// ```
    /// let t = spindle_std::thread::Builder::new().spawn(|| 6 * 7).unwrap();
    /// assert_eq!(t.join(), Ok(42));
    /// ```
    pub fn spawn<F, T>(self, f: F) -> Result<JoinHandle<T>, SpawnError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        self.spawn_started(move |started: StartSignal<'_>| {
            started.set();
            f()
        })
    }

    /// Starts `f` on a new thread and lets it say when it has started: `f` gets a
    /// [`StartSignal`] and calls [`set`](StartSignal::set) once it is ready (the
    /// book's `started_evt.set()`); [`JoinHandle::wait_started`] waits for that.
    /// If `f` drops the signal, returns or panics without setting it, the thread
    /// counts as started then, so no waiter is left behind.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// use std::sync::Arc;
    /// use spindle_std::thread::Builder;
    ///
    /// let ready = Arc::new(AtomicBool::new(false));
    /// let r = ready.clone();
    /// let t = Builder::new()
    ///     .name("countdown")
    ///     .spawn_started(move |started| {
    ///         r.store(true, Ordering::SeqCst); // "countdown starting"
    ///         started.set();
    ///         // ... the countdown itself ...
    ///     })
    ///     .unwrap();
    /// t.wait_started();
    /// assert!(ready.load(Ordering::SeqCst)); // "countdown is running"
    /// t.join().unwrap();
    /// ```
    pub fn spawn_started<F, T>(self, f: F) -> Result<JoinHandle<T>, SpawnError>
    where
        F: FnOnce(StartSignal<'_>) -> T + Send + 'static,
        T: Send + 'static,
    {
        let mut native = std::thread::Builder::new();
        if let Some(name) = self.name {
            if name.contains('\0') {
                return Err(SpawnError::InvalidName);
            }
            native = native.name(name);
        }
        if let Some(bytes) = self.stack_size {
            native = native.stack_size(bytes);
        }
        let shared = Arc::new(Shared::new());
        let theirs = Arc::clone(&shared);
        let native = native
            .spawn(move || run(&theirs, f))
            .map_err(SpawnError::Os)?;
        Ok(JoinHandle::new(shared, native))
    }

    /// Starts `f` on a new thread with a fresh [`StopToken`]; the returned handle can
    /// ask the thread to stop ([`StoppableHandle::stop`]) at its next safe point (the
    /// book's `CountdownTask.terminate()`).
    ///
    /// ```
    /// use std::time::Duration;
    /// use spindle_std::thread::Builder;
    ///
    /// let t = Builder::new()
    ///     .spawn_stoppable(|stop| {
    ///         let mut n = 0u32;
    ///         while stop.sleep(Duration::from_millis(1)).is_ok() {
    ///             n += 1;
    ///         }
    ///         n
    ///     })
    ///     .unwrap();
    /// let _ticks = t.stop_and_join().unwrap();
    /// ```
    pub fn spawn_stoppable<F, T>(self, f: F) -> Result<StoppableHandle<T>, SpawnError>
    where
        F: FnOnce(StopToken) -> T + Send + 'static,
        T: Send + 'static,
    {
        let source = StopSource::new();
        let token = source.token();
        let handle = self.spawn(move || f(token))?;
        Ok(StoppableHandle::new(handle, source))
    }
}

/// Starts `f` on a new, unnamed thread with the default stack size:
/// `Builder::new().spawn(f)`.
///
/// ```
/// let t = spindle_std::thread::spawn(|| "done").unwrap();
/// assert_eq!(t.join(), Ok("done"));
/// ```
pub fn spawn<F, T>(f: F) -> Result<JoinHandle<T>, SpawnError>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    Builder::new().spawn(f)
}

/// The body of every spawned thread: runs `f`, catching a panic, and delivers the
/// outcome to the handle. The slot is closed if the outcome cannot be delivered
/// (dropping a panic payload that itself panics), so the handle never waits for a
/// thread that is gone.
fn run<F, T>(shared: &Shared<T>, f: F)
where
    F: FnOnce(StartSignal<'_>) -> T,
{
    let _close = CloseOnExit(shared);
    let signal = StartSignal {
        started: &shared.started,
    };
    let outcome = catch_unwind(AssertUnwindSafe(move || f(signal)));
    // A thread that has finished has certainly started.
    shared.started.set();
    let outcome = outcome.map_err(|payload| crate::panic::panic_message(&*payload));
    let _ = shared.result.send(outcome);
}

/// Closes the result slot when the thread body ends without filling it.
struct CloseOnExit<'a, T>(&'a Shared<T>);

impl<T> Drop for CloseOnExit<'_, T> {
    fn drop(&mut self) {
        self.0.started.set();
        self.0.result.close();
    }
}

/// Handed to the closure of [`Builder::spawn_started`]: [`set`](Self::set) it once
/// the thread is ready (recipe 12.2's started event). Dropping it unset also counts
/// as started, so waiters are never stranded.
///
/// ```
/// use spindle_std::thread::Builder;
///
/// let t = Builder::new()
///     .spawn_started(|started| {
///         let config = 1 + 1; // initialisation the caller waits for
///         started.set();
///         config
///     })
///     .unwrap();
/// t.wait_started();
/// assert_eq!(t.join(), Ok(2));
/// ```
pub struct StartSignal<'a> {
    started: &'a Event,
}

impl StartSignal<'_> {
    /// Reports the thread as started, waking every [`JoinHandle::wait_started`].
    pub fn set(self) {
        // Dropping does it.
    }
}

impl Drop for StartSignal<'_> {
    fn drop(&mut self) {
        self.started.set();
    }
}

impl fmt::Debug for StartSignal<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StartSignal")
            .field("set", &self.started.is_set())
            .finish()
    }
}

/// A thread could not be started.
#[derive(Debug)]
#[non_exhaustive]
pub enum SpawnError {
    /// The name given to [`Builder::name`] contains a NUL byte, which OS thread
    /// names cannot hold.
    InvalidName,
    /// The operating system refused to create the thread (too many threads, no
    /// memory for the stack, a stack size it rejects).
    Os(io::Error),
}

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpawnError::InvalidName => f.write_str("thread names may not contain NUL bytes"),
            SpawnError::Os(e) => write!(f, "the OS could not start the thread: {e}"),
        }
    }
}

impl std::error::Error for SpawnError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SpawnError::Os(e) => Some(e),
            SpawnError::InvalidName => None,
        }
    }
}
