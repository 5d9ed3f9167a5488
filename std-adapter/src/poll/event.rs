//! [`PollableEvent`]: spindle's [`Event`] with a descriptor that is readable exactly
//! while the event is set, so a [`Selector`](super::Selector) can wait for it next
//! to queues and sockets (recipe 12.13).

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::time::Duration;

use super::error::CreateError;
use super::fd_level::FdLevel;
use super::readiness::Readiness;
use crate::sync::{Event, WaitTimeoutError};

/// An [`Event`] whose descriptor is readable while it is set.
///
/// ```
/// use spindle_std::poll::PollableEvent;
///
/// let stop = PollableEvent::new()?;
/// assert!(!stop.is_set());
/// stop.set();
/// stop.wait_blocking(); // returns at once
/// stop.clear();
/// # Ok::<(), spindle_std::poll::CreateError>(())
/// ```
#[derive(Debug)]
pub struct PollableEvent {
    event: Event,
    ready: Readiness<FdLevel>,
}

impl PollableEvent {
    /// A new, unset event with its own descriptor (an eventfd on Linux).
    pub fn new() -> Result<Self, CreateError> {
        Ok(Self::with_level(FdLevel::new()?))
    }

    /// A new, unset event behind the given descriptor.
    pub fn with_level(level: FdLevel) -> Self {
        Self {
            event: Event::new(),
            ready: Readiness::new(level),
        }
    }

    fn sync(&self) {
        self.ready.sync(|| self.event.is_set());
    }

    /// Sets the event: wakes its waiters, makes the descriptor readable.
    pub fn set(&self) {
        self.event.set();
        self.sync();
    }

    /// Clears the event: the descriptor stops being readable.
    pub fn clear(&self) {
        self.event.clear();
        self.sync();
    }

    /// Whether the event is set now.
    pub fn is_set(&self) -> bool {
        self.event.is_set()
    }

    /// Waits asynchronously until the event is set.
    pub async fn wait(&self) {
        self.event.wait().await
    }

    /// Parks the thread until the event is set.
    pub fn wait_blocking(&self) {
        self.event.wait_blocking()
    }

    /// Parks the thread for at most `timeout` until the event is set.
    pub fn wait_timeout(&self, timeout: Duration) -> Result<(), WaitTimeoutError> {
        self.event.wait_timeout(timeout)
    }
}

impl AsFd for PollableEvent {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.ready.level().as_fd()
    }
}

impl AsRawFd for PollableEvent {
    fn as_raw_fd(&self) -> RawFd {
        self.ready.level().as_raw_fd()
    }
}
