//! [`Source`]: a descriptor registered with a [`Reactor`] for as long as it lives;
//! the sockets of this module are sources.

use std::fmt;
use std::io;
use std::os::fd::AsFd;

use super::reactor::{Direction, Reactor};

/// An I/O object registered with a reactor; deregistered (before the descriptor
/// closes) when dropped.
pub(crate) struct Source<T: AsFd> {
    reactor: Reactor,
    key: usize,
    io: T,
}

impl<T: AsFd> Source<T> {
    /// Registers `io` (already non-blocking) with `reactor`.
    pub(crate) fn new(reactor: &Reactor, io: T) -> io::Result<Self> {
        let key = reactor.register(io.as_fd())?;
        Ok(Self {
            reactor: reactor.clone(),
            key,
            io,
        })
    }

    pub(crate) fn get_ref(&self) -> &T {
        &self.io
    }

    pub(crate) fn reactor(&self) -> &Reactor {
        &self.reactor
    }

    /// Runs `op` whenever the source is ready in `dir`, until it does not block.
    pub(crate) async fn io<R>(
        &self,
        dir: Direction,
        op: impl FnMut(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        self.reactor.io(self.key, &self.io, dir, op).await
    }

    /// Tells the reactor that a read returned `n` bytes into a buffer of `len`
    /// (a short read may mean "drained": see `Reactor::read_done`).
    pub(crate) fn read_done(&self, n: usize, len: usize) {
        self.reactor.read_done(self.key, n, len);
    }

    /// Waits until the source is ready in `dir`.
    pub(crate) async fn ready(&self, dir: Direction) {
        self.reactor.ready(self.key, &self.io, dir).await;
    }

    /// Marks the source not ready in `dir` (after a `WouldBlock`).
    pub(crate) fn not_ready(&self, dir: Direction) {
        self.reactor.not_ready(self.key, dir);
    }
}

impl<T: AsFd> Drop for Source<T> {
    fn drop(&mut self) {
        self.reactor.deregister(self.key, self.io.as_fd());
    }
}

impl<T: AsFd + fmt::Debug> fmt::Debug for Source<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.fmt(f)
    }
}
