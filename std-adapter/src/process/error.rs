//! The process pool's errors: frames, how a worker ended, why a task failed in its
//! worker, and why a pool could not be built or a task not submitted.

use std::fmt;
use std::time::Duration;

/// Why a frame could not be encoded, read or decoded. Every case is an error value:
/// a hostile or broken peer never makes the reader panic or allocate more than the
/// frame limit.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FrameError {
    /// The frame's declared (or encoded) payload length is over the limit.
    TooLarge {
        /// The payload length the frame declared, or the encoder produced.
        len: u64,
        /// The limit in force.
        limit: usize,
    },
    /// The input ended inside a frame.
    Truncated {
        /// Bytes the frame needed.
        needed: u64,
        /// Bytes there were.
        got: u64,
    },
    /// The input ended cleanly before a frame began (the peer closed).
    Closed,
    /// The payload is not a valid encoding of the expected message, or bytes follow it.
    Malformed(String),
    /// The value could not be serialized.
    Encode(String),
    /// Reading or writing the transport failed.
    Io(std::io::ErrorKind, String),
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge { len, limit } => {
                write!(f, "frame of {len} bytes is over the limit of {limit} bytes")
            }
            Self::Truncated { needed, got } => {
                write!(f, "frame truncated: needed {needed} bytes, got {got}")
            }
            Self::Closed => f.write_str("the peer closed the connection"),
            Self::Malformed(why) => write!(f, "malformed frame: {why}"),
            Self::Encode(why) => write!(f, "the value could not be serialized: {why}"),
            Self::Io(_, why) => write!(f, "transport error: {why}"),
        }
    }
}

impl std::error::Error for FrameError {}

impl From<std::io::Error> for FrameError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e.kind(), e.to_string())
    }
}

/// How a worker process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WorkerExit {
    /// Killed by this signal number (`SIGKILL` is 9, `SIGSEGV` 11, `SIGABRT` 6).
    Signaled(i32),
    /// Exited with this status code.
    Exited(i32),
    /// The operating system reported neither a code nor a signal.
    Unknown,
}

impl WorkerExit {
    /// The signal's name (`"SIGKILL"`), if it died of a known signal.
    ///
    /// ```
    /// use spindle_std::process::WorkerExit;
    /// assert_eq!(WorkerExit::Signaled(9).signal_name(), Some("SIGKILL"));
    /// assert_eq!(WorkerExit::Exited(3).signal_name(), None);
    /// ```
    pub fn signal_name(self) -> Option<&'static str> {
        match self {
            Self::Signaled(n) => nix::sys::signal::Signal::try_from(n)
                .ok()
                .map(|s| s.as_str()),
            _ => None,
        }
    }

    pub(crate) fn from_status(status: std::process::ExitStatus) -> Self {
        use std::os::unix::process::ExitStatusExt;
        match (status.code(), status.signal()) {
            (Some(code), _) => Self::Exited(code),
            (None, Some(sig)) => Self::Signaled(sig),
            (None, None) => Self::Unknown,
        }
    }
}

impl fmt::Display for WorkerExit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self, self.signal_name()) {
            (Self::Signaled(n), Some(name)) => write!(f, "killed by signal {n} ({name})"),
            (Self::Signaled(n), None) => write!(f, "killed by signal {n}"),
            (Self::Exited(code), _) => write!(f, "exited with status {code}"),
            (Self::Unknown, _) => f.write_str("ended for an unknown reason"),
        }
    }
}

/// Why a task failed in (or on the way to) its worker process, carried by
/// [`TaskError::Worker`](crate::pool::TaskError::Worker). Only the task concerned
/// fails; the pool replaces the worker where one was lost.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WorkerError {
    /// The worker died while running the task (a crash, `abort`, a signal, `exit`).
    Died(WorkerExit),
    /// The task ran past the pool's task timeout; its worker was killed.
    TimedOut(Duration),
    /// The worker's reply was malformed, over the frame limit, or its pipe broke
    /// without an exit status to show; the worker was killed.
    Frame(FrameError),
    /// The worker has no task of this name registered (the parent and worker
    /// programs differ).
    UnknownTask(String),
    /// The worker could not decode the argument as the task's argument type.
    BadArgument(String),
    /// The result could not be serialized in the worker, was over the frame limit,
    /// or could not be decoded here as the task's result type.
    BadResult(String),
    /// No worker could be started to run the task.
    Start(String),
    /// The pool's initializer failed in the worker that was to run the task.
    Init(String),
    /// A distributed pool's task was delivered this many times and no worker ever
    /// finished it (each one died or ran past the ack wait): it is not tried again.
    GaveUp {
        /// How many times it was delivered.
        deliveries: u32,
    },
    /// A distributed pool could not reach its broker for this task.
    Broker(String),
}

impl fmt::Display for WorkerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Died(how) => write!(f, "the worker process died: {how}"),
            Self::TimedOut(d) => write!(
                f,
                "the task ran past its timeout of {d:?}; its worker was killed"
            ),
            Self::Frame(e) => write!(f, "bad reply from the worker: {e}"),
            Self::UnknownTask(name) => write!(f, "the worker has no task named {name:?}"),
            Self::BadArgument(why) => write!(f, "the worker could not decode the argument: {why}"),
            Self::BadResult(why) => write!(f, "the result did not survive serialization: {why}"),
            Self::Start(why) => write!(f, "no worker could be started: {why}"),
            Self::Init(why) => write!(f, "the worker's initializer failed: {why}"),
            Self::GaveUp { deliveries } => write!(
                f,
                "delivered {deliveries} times, and no worker finished it (each died or timed out)"
            ),
            Self::Broker(why) => write!(f, "the broker could not take or return the task: {why}"),
        }
    }
}

impl std::error::Error for WorkerError {}

/// Why [`Builder::build`](super::Builder::build) could not make a pool.
#[derive(Debug)]
#[non_exhaustive]
pub enum BuildError {
    /// A pool needs at least one worker.
    ZeroWorkers,
    /// The workers would re-run this program, but it never called
    /// [`init`](super::init): they would run `main` again instead of serving tasks.
    NotInitialized,
    /// A worker process could not be started (missing executable, exec failure, or
    /// it did not answer the handshake).
    Start(String),
    /// The initializer failed in a worker.
    Init(String),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ZeroWorkers => f.write_str("a process pool needs at least one worker"),
            Self::NotInitialized => f.write_str(
                "spindle_std::process::init was not called at the top of main, so a worker \
                 (this program re-run) would not know it is one",
            ),
            Self::Start(why) => write!(f, "could not start a worker process: {why}"),
            Self::Init(why) => write!(f, "the worker initializer failed: {why}"),
        }
    }
}

impl std::error::Error for BuildError {}

/// Why [`ProcessPool::submit`](super::ProcessPool::submit) refused a task; the
/// argument comes back.
#[non_exhaustive]
pub enum SubmitError<A> {
    /// The pool is shut down.
    ShutDown(A),
    /// The argument did not serialize, or its frame is over the limit.
    Encode(A, FrameError),
    /// This program's registry (given to [`init`](super::init)) has no task of
    /// this name, so no worker could run it.
    NotRegistered(A, &'static str),
    /// A distributed pool's broker did not accept the task (it is not queued).
    Broker(A, String),
}

impl<A> SubmitError<A> {
    /// The argument that was not submitted.
    ///
    /// ```
    /// use spindle_std::process::SubmitError;
    /// let e = SubmitError::ShutDown(5);
    /// assert_eq!(e.into_inner(), 5);
    /// ```
    pub fn into_inner(self) -> A {
        match self {
            Self::ShutDown(a)
            | Self::Encode(a, _)
            | Self::NotRegistered(a, _)
            | Self::Broker(a, _) => a,
        }
    }
}

impl<A> fmt::Debug for SubmitError<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ShutDown(_) => f.write_str("ShutDown(..)"),
            Self::Encode(_, e) => f.debug_tuple("Encode").field(&"..").field(e).finish(),
            Self::NotRegistered(_, n) => f
                .debug_tuple("NotRegistered")
                .field(&"..")
                .field(n)
                .finish(),
            Self::Broker(_, e) => f.debug_tuple("Broker").field(&"..").field(e).finish(),
        }
    }
}

impl<A> fmt::Display for SubmitError<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ShutDown(_) => f.write_str("the process pool is shut down"),
            Self::Encode(_, e) => write!(f, "the argument could not be sent: {e}"),
            Self::NotRegistered(_, n) => write!(f, "no task named {n:?} is registered"),
            Self::Broker(_, e) => write!(f, "the broker did not accept the task: {e}"),
        }
    }
}

impl<A> std::error::Error for SubmitError<A> {}
