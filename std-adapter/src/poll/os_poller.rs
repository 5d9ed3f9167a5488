//! [`OsPoller`]: the OS readiness poll under the [`Selector`](super::Selector) and
//! the I/O [`Reactor`](crate::io::Reactor), one wait per call and nothing more.
//!
//! On Linux and Android it is epoll through `nix`'s safe binding, with an eventfd
//! of its own as the wake-up source. The `polling` crate's `Poller::wait` (used
//! elsewhere) costs four system calls on top of each `epoll_wait` (arming a
//! timerfd and re-arming it, reading and re-arming its notifier, whether or not
//! either fired), and it cannot ask for `EPOLLRDHUP`. Here a wait is one
//! `epoll_wait` (plus one `read` only when [`notify`](OsPoller::notify) fired), and
//! a peer that closed its side is reported ([`Fired::read_closed`]), which lets a
//! reader skip the `read` that would only say `WouldBlock`. The price is
//! millisecond timeouts (rounded up, so a wait never ends early; the callers
//! re-check their clocks). Elsewhere `polling` (kqueue, event ports, poll) does
//! the job, without the close report.

use std::io;
use std::os::fd::{BorrowedFd, RawFd};
use std::time::Duration;

/// How a registration reports readiness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Once, then disarmed until [`OsPoller::modify`] re-arms it.
    Oneshot,
    /// Each time the source becomes ready (edge-triggered), for as long as it is
    /// registered.
    Edge,
}

/// What a registration waits for, under a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Interest {
    pub(crate) key: usize,
    pub(crate) readable: bool,
    pub(crate) writable: bool,
}

/// One readiness report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fired {
    pub(crate) key: usize,
    /// Readable, at end of stream, or failed (a read would not block).
    pub(crate) readable: bool,
    /// Writable, or failed (a write would not block).
    pub(crate) writable: bool,
    /// The peer closed its sending side, or the connection failed: a read returns
    /// what is left and then end-of-file, never `WouldBlock`. Only ever `true`
    /// where [`OsPoller::reports_read_closed`] says so.
    pub(crate) read_closed: bool,
}

#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) use self::epoll::{Events, OsPoller};
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) use self::portable::{Events, OsPoller};

#[cfg(any(target_os = "linux", target_os = "android"))]
mod epoll {
    use super::*;
    use crate::poll::wake_latch::{WakeLatch, WakeSignal};
    use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags, EpollTimeout};
    use nix::sys::eventfd::{EfdFlags, EventFd};

    /// The key of the wake-up eventfd (no caller's key is this large).
    const NOTIFY: u64 = u64::MAX;
    /// Reports taken per `epoll_wait` (more wait for the next call).
    const BATCH: usize = 1024;

    /// Reports of one [`OsPoller::wait`].
    pub(crate) struct Events {
        list: Vec<EpollEvent>,
        len: usize,
    }

    impl Events {
        pub(crate) fn new() -> Self {
            Self {
                list: vec![EpollEvent::empty(); BATCH],
                len: 0,
            }
        }

        pub(crate) fn clear(&mut self) {
            self.len = 0;
        }

        pub(crate) fn iter(&self) -> impl Iterator<Item = Fired> + '_ {
            let read = EpollFlags::EPOLLIN
                | EpollFlags::EPOLLPRI
                | EpollFlags::EPOLLRDHUP
                | EpollFlags::EPOLLHUP
                | EpollFlags::EPOLLERR;
            let write = EpollFlags::EPOLLOUT | EpollFlags::EPOLLHUP | EpollFlags::EPOLLERR;
            let closed = EpollFlags::EPOLLRDHUP | EpollFlags::EPOLLHUP | EpollFlags::EPOLLERR;
            self.list[..self.len]
                .iter()
                .filter(|e| e.data() != NOTIFY)
                .map(move |e| {
                    let flags = e.events();
                    Fired {
                        key: e.data() as usize,
                        readable: flags.intersects(read),
                        writable: flags.intersects(write),
                        read_closed: flags.intersects(closed),
                    }
                })
        }
    }

    /// The wake-up eventfd (non-blocking): a raise writes 1, a drain reads the
    /// counter back to zero.
    impl WakeSignal for EventFd {
        fn raise(&self) -> io::Result<()> {
            self.write(1)?;
            Ok(())
        }

        fn drain(&self) {
            // Non-blocking, and only called once epoll reported it readable; an
            // error (`WouldBlock`) would mean there was nothing to take back.
            let _ = self.read();
        }
    }

    /// epoll and a wake-up eventfd.
    pub(crate) struct OsPoller {
        epoll: Epoll,
        /// The wake-up eventfd behind a flag: later `notify`s need not write again
        /// while one is pending (the poller's own de-duplication, as `polling` does
        /// it; the protocol is `poll::wake_latch`'s, model-checked with loom).
        waker: WakeLatch<EventFd>,
    }

    fn flags(interest: Interest, mode: Mode) -> EpollFlags {
        let mut f = match mode {
            Mode::Oneshot => EpollFlags::EPOLLONESHOT,
            Mode::Edge => EpollFlags::EPOLLET,
        };
        if interest.readable {
            f |= EpollFlags::EPOLLIN | EpollFlags::EPOLLPRI | EpollFlags::EPOLLRDHUP;
        }
        if interest.writable {
            f |= EpollFlags::EPOLLOUT;
        }
        f
    }

    impl OsPoller {
        pub(crate) fn new() -> io::Result<Self> {
            let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC)?;
            let waker = EventFd::from_flags(EfdFlags::EFD_CLOEXEC | EfdFlags::EFD_NONBLOCK)?;
            // Level-triggered: a wake-up not taken in one wait shows in the next.
            epoll.add(&waker, EpollEvent::new(EpollFlags::EPOLLIN, NOTIFY))?;
            Ok(Self {
                epoll,
                waker: WakeLatch::new(waker),
            })
        }

        pub(crate) fn supports_edge(&self) -> bool {
            true
        }

        pub(crate) fn reports_read_closed(&self) -> bool {
            true
        }

        /// # Safety
        /// `fd` is open, and is [`delete`](Self::delete)d before it is closed (epoll
        /// itself would forget a closed descriptor, but the callers' keys must not
        /// outlive it).
        pub(crate) unsafe fn add(
            &self,
            fd: RawFd,
            interest: Interest,
            mode: Mode,
        ) -> io::Result<()> {
            // SAFETY: the caller promises `fd` is open for this call.
            let fd = unsafe { BorrowedFd::borrow_raw(fd) };
            let event = EpollEvent::new(flags(interest, mode), interest.key as u64);
            Ok(self.epoll.add(fd, event)?)
        }

        pub(crate) fn modify(
            &self,
            fd: BorrowedFd<'_>,
            interest: Interest,
            mode: Mode,
        ) -> io::Result<()> {
            let mut event = EpollEvent::new(flags(interest, mode), interest.key as u64);
            Ok(self.epoll.modify(fd, &mut event)?)
        }

        pub(crate) fn delete(&self, fd: BorrowedFd<'_>) -> io::Result<()> {
            Ok(self.epoll.delete(fd)?)
        }

        /// Waits until something is ready, [`notify`](Self::notify) is called, or
        /// `timeout` (`None`: no limit) has passed; a signal ends the wait early
        /// with no reports.
        pub(crate) fn wait(
            &self,
            events: &mut Events,
            timeout: Option<Duration>,
        ) -> io::Result<()> {
            events.len = 0;
            let timeout = match timeout {
                None => EpollTimeout::NONE,
                // Rounded up to whole milliseconds: never earlier than asked.
                Some(t) => {
                    let ms = t.as_nanos().div_ceil(1_000_000);
                    EpollTimeout::try_from(ms).unwrap_or(EpollTimeout::MAX)
                }
            };
            match self.epoll.wait(&mut events.list, timeout) {
                Ok(n) => events.len = n,
                Err(nix::errno::Errno::EINTR) => return Ok(()),
                Err(e) => return Err(e.into()),
            }
            if events.list[..events.len].iter().any(|e| e.data() == NOTIFY) {
                // Read the counter back first, then allow the next write: a
                // `notify` in between is answered by this very return.
                self.waker.after_wake();
            }
            Ok(())
        }

        /// Ends the current or the next [`wait`](Self::wait), from any thread.
        pub(crate) fn notify(&self) -> io::Result<()> {
            self.waker.notify()
        }
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
mod portable {
    use super::*;
    use polling::{Event, PollMode, Poller};

    /// Reports of one [`OsPoller::wait`].
    pub(crate) struct Events(polling::Events);

    impl Events {
        pub(crate) fn new() -> Self {
            Self(polling::Events::new())
        }

        pub(crate) fn clear(&mut self) {
            self.0.clear();
        }

        pub(crate) fn iter(&self) -> impl Iterator<Item = Fired> + '_ {
            self.0.iter().map(|e| Fired {
                key: e.key,
                readable: e.readable,
                writable: e.writable,
                read_closed: false,
            })
        }
    }

    /// `polling`'s poller (kqueue, event ports, poll).
    pub(crate) struct OsPoller(Poller);

    fn event(interest: Interest) -> Event {
        Event::new(interest.key, interest.readable, interest.writable)
    }

    fn poll_mode(mode: Mode) -> PollMode {
        match mode {
            Mode::Oneshot => PollMode::Oneshot,
            Mode::Edge => PollMode::Edge,
        }
    }

    impl OsPoller {
        pub(crate) fn new() -> io::Result<Self> {
            Ok(Self(Poller::new()?))
        }

        pub(crate) fn supports_edge(&self) -> bool {
            self.0.supports_edge()
        }

        pub(crate) fn reports_read_closed(&self) -> bool {
            false
        }

        /// # Safety
        /// `fd` is open, and is [`delete`](Self::delete)d before it is closed.
        pub(crate) unsafe fn add(
            &self,
            fd: RawFd,
            interest: Interest,
            mode: Mode,
        ) -> io::Result<()> {
            // SAFETY: passed on from the caller (polling's own contract).
            unsafe { self.0.add_with_mode(fd, event(interest), poll_mode(mode)) }
        }

        pub(crate) fn modify(
            &self,
            fd: BorrowedFd<'_>,
            interest: Interest,
            mode: Mode,
        ) -> io::Result<()> {
            self.0
                .modify_with_mode(fd, event(interest), poll_mode(mode))
        }

        pub(crate) fn delete(&self, fd: BorrowedFd<'_>) -> io::Result<()> {
            self.0.delete(fd)
        }

        pub(crate) fn wait(
            &self,
            events: &mut Events,
            timeout: Option<Duration>,
        ) -> io::Result<()> {
            events.0.clear();
            self.0.wait(&mut events.0, timeout).map(drop)
        }

        pub(crate) fn notify(&self) -> io::Result<()> {
            self.0.notify()
        }
    }
}
