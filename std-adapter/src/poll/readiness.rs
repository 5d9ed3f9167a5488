//! The readiness protocol: keeping a pollable descriptor's level equal to "there is
//! something to receive", with senders and receivers racing on other threads.
//!
//! A [`Level`] is something a poller can watch, raised or lowered (an eventfd, one
//! byte in a socket pair). [`Readiness`] owns one and a lock around what the level
//! currently shows; [`sync`](Readiness::sync) re-reads the truth *under that lock*
//! and moves the level only if it differs. Every operation that may flip the truth
//! calls `sync` after it has flipped it, so the last `sync` to run always reads the
//! final truth: a stale raise can never be applied after a later lower (the race a
//! lock-free "raise on 0 -> 1, lower on 1 -> 0" would lose). [`Counted`] is the
//! queue form: it counts items and calls `sync` only on the empty/non-empty edges,
//! so a busy queue whose count stays above zero never touches the lock.
//!
//! The protocol is model-checked with loom in `tests/loom_poll.rs`.

use super::shim::{AtomicBool, AtomicIsize, Mutex, Ordering};

/// Something a poller can watch: raised means "readable".
///
/// `raise` and `lower` are only ever called by [`Readiness`], under its lock, and
/// only to change the level (never `raise` twice in a row), so an implementation
/// need not be idempotent or thread-safe beyond `Sync`.
pub trait Level {
    /// Makes the level visible to pollers (the descriptor becomes readable).
    fn raise(&self);
    /// Takes it away again (the descriptor stops being readable).
    fn lower(&self);
}

/// A [`Level`] kept equal to a truth that other threads change.
///
/// ```
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use spindle_std::poll::readiness::{Level, Readiness};
///
/// struct Flag(AtomicBool);
/// impl Level for Flag {
///     fn raise(&self) { self.0.store(true, Ordering::SeqCst) }
///     fn lower(&self) { self.0.store(false, Ordering::SeqCst) }
/// }
///
/// let ready = Readiness::new(Flag(AtomicBool::new(false)));
/// ready.sync(|| true);
/// assert!(ready.level().0.load(Ordering::SeqCst));
/// ready.sync(|| false);
/// assert!(!ready.level().0.load(Ordering::SeqCst));
/// ```
#[derive(Debug)]
pub struct Readiness<L> {
    /// What `level` shows now; the lock serializes every change of it.
    shown: Mutex<bool>,
    level: L,
}

impl<L: Level> Readiness<L> {
    /// Wraps a lowered `level`.
    pub fn new(level: L) -> Self {
        Self {
            shown: Mutex::new(false),
            level,
        }
    }

    /// The level itself (to poll it).
    pub fn level(&self) -> &L {
        &self.level
    }

    /// Makes the level show `truth()`, read under the lock. Call it after every
    /// change that may have flipped the truth.
    pub fn sync(&self, truth: impl FnOnce() -> bool) {
        // A poisoned lock only means another thread panicked between two plain
        // stores; `shown` is still exactly what the level shows.
        let mut shown = self
            .shown
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let want = truth();
        if want != *shown {
            if want {
                self.level.raise();
            } else {
                self.level.lower();
            }
            *shown = want;
        }
    }
}

/// The queue form of [`Readiness`]: raised exactly while items are pending or the
/// queue is closed.
///
/// Call [`put`](Self::put) after an item went in and [`take`](Self::take) after one
/// came out; only the empty/non-empty edges take the lock. The count may dip below
/// zero for a moment (an item taken before its sender counted it); the level
/// follows `count > 0`, so that moment shows "empty", which is the truth.
///
/// ```
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use spindle_std::poll::readiness::{Counted, Level};
///
/// struct Flag(AtomicBool);
/// impl Level for Flag {
///     fn raise(&self) { self.0.store(true, Ordering::SeqCst) }
///     fn lower(&self) { self.0.store(false, Ordering::SeqCst) }
/// }
/// let shown = |c: &Counted<Flag>| c.level().0.load(Ordering::SeqCst);
///
/// let items = Counted::new(Flag(AtomicBool::new(false)), 0);
/// items.put();
/// assert!(shown(&items));
/// items.take();
/// assert!(!shown(&items));
/// items.close();
/// assert!(shown(&items)); // readable for good
/// ```
#[derive(Debug)]
pub struct Counted<L> {
    pending: AtomicIsize,
    closed: AtomicBool,
    ready: Readiness<L>,
}

impl<L: Level> Counted<L> {
    /// Wraps a lowered `level` over a queue that already holds `pending` items
    /// (the level is raised at once if that is more than zero).
    pub fn new(level: L, pending: usize) -> Self {
        let counted = Self {
            pending: AtomicIsize::new(isize::try_from(pending).unwrap_or(isize::MAX)),
            closed: AtomicBool::new(false),
            ready: Readiness::new(level),
        };
        if pending > 0 {
            counted.sync();
        }
        counted
    }

    /// The level itself (to poll it).
    pub fn level(&self) -> &L {
        self.ready.level()
    }

    /// One item went in.
    pub fn put(&self) {
        if self.pending.fetch_add(1, Ordering::AcqRel) == 0 {
            self.sync();
        }
    }

    /// One item came out.
    pub fn take(&self) {
        if self.pending.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.sync();
        }
    }

    /// The queue was closed: raised for good.
    pub fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.sync();
    }

    fn sync(&self) {
        self.ready.sync(|| {
            self.closed.load(Ordering::Acquire) || self.pending.load(Ordering::Acquire) > 0
        });
    }
}
