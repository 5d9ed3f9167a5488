//! [`FdLevel`]: the descriptor behind a pollable queue or event. On Linux and
//! Android an eventfd (one descriptor, an 8-byte counter); elsewhere, or on request,
//! the book's socket-pair trick (one byte waiting in a Unix socket pair).

use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::UnixStream;

use super::error::CreateError;
use super::readiness::Level;

/// A descriptor that pollers see as readable while it is raised.
///
/// Readiness only ever moves it between "lowered" and "raised" (never raising
/// twice), so the eventfd counter stays at 0 or 1 and the socket pair holds at most
/// one byte: the writes cannot fill anything up.
#[derive(Debug)]
pub struct FdLevel {
    backend: Backend,
}

#[derive(Debug)]
enum Backend {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    EventFd(nix::sys::eventfd::EventFd),
    SocketPair {
        read: UnixStream,
        write: UnixStream,
    },
}

impl FdLevel {
    /// A lowered level: an eventfd where the OS has them, a socket pair elsewhere.
    ///
    /// ```
    /// use std::os::fd::AsRawFd;
    /// let level = spindle_std::poll::FdLevel::new()?;
    /// assert!(level.as_raw_fd() >= 0);
    /// # Ok::<(), spindle_std::poll::CreateError>(())
    /// ```
    pub fn new() -> Result<Self, CreateError> {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            use nix::sys::eventfd::{EfdFlags, EventFd};
            let fd = EventFd::from_flags(EfdFlags::EFD_CLOEXEC | EfdFlags::EFD_NONBLOCK)
                .map_err(|e| CreateError::from(io::Error::from(e)))?;
            Ok(Self {
                backend: Backend::EventFd(fd),
            })
        }
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        {
            Self::socket_pair()
        }
    }

    /// A lowered level over a Unix socket pair (the book's trick), on every Unix.
    /// [`new`](Self::new) picks this where eventfd is missing.
    ///
    /// ```
    /// let level = spindle_std::poll::FdLevel::socket_pair()?;
    /// # Ok::<(), spindle_std::poll::CreateError>(())
    /// ```
    pub fn socket_pair() -> Result<Self, CreateError> {
        let (read, write) = UnixStream::pair()?;
        read.set_nonblocking(true)?;
        write.set_nonblocking(true)?;
        Ok(Self {
            backend: Backend::SocketPair { read, write },
        })
    }
}

/// Retries `op` while a signal interrupts it.
fn retry<T>(mut op: impl FnMut() -> io::Result<T>) -> io::Result<T> {
    loop {
        match op() {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

impl Level for FdLevel {
    fn raise(&self) {
        // Neither write can fail on a descriptor we own: the counter is 0 (it holds
        // 1 at most) and the pair is empty (it holds one byte at most), so there is
        // always room; an error here could only mean a broken OS, and readiness
        // would then show "not ready" (receivers still get their items by trying).
        let _ = match &self.backend {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Backend::EventFd(fd) => retry(|| fd.write(1).map(drop).map_err(io::Error::from)),
            Backend::SocketPair { write, .. } => retry(|| (&*write).write(&[1]).map(drop)),
        };
    }

    fn lower(&self) {
        // Reading resets the eventfd's counter to 0 / takes the pair's one byte;
        // `WouldBlock` means it was already empty, which is the goal.
        let _ = match &self.backend {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Backend::EventFd(fd) => retry(|| fd.read().map(drop).map_err(io::Error::from)),
            Backend::SocketPair { read, .. } => {
                let mut buf = [0u8; 8];
                retry(|| (&*read).read(&mut buf).map(drop))
            }
        };
    }
}

impl AsFd for FdLevel {
    fn as_fd(&self) -> BorrowedFd<'_> {
        match &self.backend {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Backend::EventFd(fd) => fd.as_fd(),
            Backend::SocketPair { read, .. } => read.as_fd(),
        }
    }
}

impl AsRawFd for FdLevel {
    fn as_raw_fd(&self) -> RawFd {
        self.as_fd().as_raw_fd()
    }
}
