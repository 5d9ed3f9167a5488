//! Errors of `spindle_std::poll`, one enum per kind of call.

use std::fmt;
use std::io;

/// The per-call queue errors the pollable queues return. Today they name the core's
/// shared [`SendError`](spindle_core::queue::SendError) and
/// [`RecvError`](spindle_core::queue::RecvError); the pollable queues' signatures
/// already use the per-call names (`TrySendError` from `try_send`, `RecvError` from
/// a blocking receive, ...) so they follow the core when it splits them.
pub use spindle_core::queue::RecvError;
pub use spindle_core::queue::RecvError as TryRecvError;
pub use spindle_core::queue::RecvError as RecvTimeoutError;
pub use spindle_core::queue::SendError;
pub use spindle_core::queue::SendError as TrySendError;
pub use spindle_core::queue::SendError as SendTimeoutError;

fn is_out_of_descriptors(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(code) if code == nix::errno::Errno::EMFILE as i32 || code == nix::errno::Errno::ENFILE as i32
    )
}

/// `EBADF`/`ENOENT` from the poller: the descriptor is gone.
pub(super) fn is_closed_descriptor(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(code) if code == nix::errno::Errno::EBADF as i32 || code == nix::errno::Errno::ENOENT as i32
    )
}

/// Creating a pollable queue, event, level or [`Selector`](super::Selector) failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum CreateError {
    /// The process (`EMFILE`) or the system (`ENFILE`) is out of file descriptors.
    NoDescriptors,
    /// Any other error from the operating system.
    Io(io::Error),
}

impl From<io::Error> for CreateError {
    fn from(e: io::Error) -> Self {
        if is_out_of_descriptors(&e) {
            CreateError::NoDescriptors
        } else {
            CreateError::Io(e)
        }
    }
}

impl fmt::Display for CreateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CreateError::NoDescriptors => f.write_str(
                "out of file descriptors (EMFILE/ENFILE): close some or raise the limit",
            ),
            CreateError::Io(e) => write!(f, "could not create the descriptor: {e}"),
        }
    }
}

impl std::error::Error for CreateError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CreateError::Io(e) => Some(e),
            CreateError::NoDescriptors => None,
        }
    }
}

/// Registering a source with a [`Selector`](super::Selector) failed; nothing was
/// registered.
#[derive(Debug)]
#[non_exhaustive]
pub enum RegisterError {
    /// Another source is already registered under this key.
    KeyInUse,
    /// This descriptor (or this signal) is already registered, under another key.
    AlreadyRegistered,
    /// The descriptor is not open (closed before or while being registered).
    Closed,
    /// Out of file descriptors (a signal's self-pipe needs two).
    NoDescriptors,
    /// This signal cannot be caught (`SIGKILL`, `SIGSTOP`, or one that
    /// signal-hook forbids because it is a fault, like `SIGSEGV`).
    InvalidSignal(i32),
    /// Any other error from the operating system.
    Io(io::Error),
}

impl From<io::Error> for RegisterError {
    fn from(e: io::Error) -> Self {
        if is_out_of_descriptors(&e) {
            RegisterError::NoDescriptors
        } else if is_closed_descriptor(&e) {
            RegisterError::Closed
        } else if e.kind() == io::ErrorKind::AlreadyExists {
            RegisterError::AlreadyRegistered
        } else {
            RegisterError::Io(e)
        }
    }
}

impl fmt::Display for RegisterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegisterError::KeyInUse => f.write_str("a source is already registered under this key"),
            RegisterError::AlreadyRegistered => {
                f.write_str("this source is already registered with the selector")
            }
            RegisterError::Closed => f.write_str("the descriptor is not open"),
            RegisterError::NoDescriptors => f.write_str("out of file descriptors (EMFILE/ENFILE)"),
            RegisterError::InvalidSignal(sig) => write!(f, "signal {sig} cannot be caught"),
            RegisterError::Io(e) => write!(f, "could not register the source: {e}"),
        }
    }
}

impl std::error::Error for RegisterError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RegisterError::Io(e) => Some(e),
            _ => None,
        }
    }
}

/// Deregistering a source failed. In every case the key is free afterwards.
#[derive(Debug)]
#[non_exhaustive]
pub enum DeregisterError {
    /// No source is registered under this key.
    UnknownKey,
    /// The descriptor had been closed while still registered (behind the
    /// selector's back); its entry is gone now.
    Closed,
    /// Any other error from the operating system.
    Io(io::Error),
}

impl From<io::Error> for DeregisterError {
    fn from(e: io::Error) -> Self {
        if is_closed_descriptor(&e) {
            DeregisterError::Closed
        } else {
            DeregisterError::Io(e)
        }
    }
}

impl fmt::Display for DeregisterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeregisterError::UnknownKey => f.write_str("no source is registered under this key"),
            DeregisterError::Closed => f.write_str(
                "the descriptor was closed while still registered (deregister before closing)",
            ),
            DeregisterError::Io(e) => write!(f, "could not deregister the source: {e}"),
        }
    }
}

impl std::error::Error for DeregisterError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DeregisterError::Io(e) => Some(e),
            _ => None,
        }
    }
}

/// Waiting on a [`Selector`](super::Selector) failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum WaitError {
    /// The operating system's poll failed.
    Io(io::Error),
}

impl From<io::Error> for WaitError {
    fn from(e: io::Error) -> Self {
        WaitError::Io(e)
    }
}

impl fmt::Display for WaitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitError::Io(e) => write!(f, "waiting for readiness failed: {e}"),
        }
    }
}

impl std::error::Error for WaitError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WaitError::Io(e) => Some(e),
        }
    }
}
