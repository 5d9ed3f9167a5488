//! The wake-up latch of the Linux `OsPoller` (`poll::os_poller`): how cross-thread
//! `notify` calls end a poll wait (recipe 12.13's selector, and the I/O reactor of
//! 12.12) with at most one write to the wake-up descriptor per wait.
//!
//! A [`WakeSignal`] is the descriptor the poller watches (an eventfd): `raise`
//! makes it readable, `drain` reads it back. [`WakeLatch`] puts one flag in front
//! of it, set while a wake-up is written and not yet taken, so a burst of
//! [`notify`](WakeLatch::notify)s costs one swap each and one `raise` in all.
//!
//! The poller, woken by the signal, calls [`after_wake`](WakeLatch::after_wake):
//! *drain first, then clear the flag*. A `notify` between the two finds the flag
//! still set and writes nothing, which is right: the poller has not returned yet,
//! so whatever that notifier changed before notifying is seen by the poller's
//! caller after the return. The other order loses wake-ups for good: with the flag
//! cleared first, a `notify` in between sets it and raises, the drain then swallows
//! that raise, and the flag stays set with nothing pending, so every later `notify`
//! writes nothing and no wait ever ends for it again.
//!
//! The clear is a swap whose result goes unused rather than a store: the same
//! instruction on x86_64, and the form loom can check (see `after_wake`).
//!
//! Private to the poller except under `--cfg loom`, where `tests/loom_os_notify.rs`
//! model-checks it with a fake signal (and checks the wrong order fails).

use std::io;

use super::shim::{AtomicBool, Ordering};

/// The descriptor a [`WakeLatch`] wakes a poller through.
///
/// [`WakeLatch`] calls `raise` only when it set its flag (so never twice without a
/// `drain` in between, unless a raise failed) and `drain` only from the poller.
pub trait WakeSignal {
    /// Makes the signal visible to the poller (the descriptor becomes readable).
    fn raise(&self) -> io::Result<()>;
    /// Takes every raise so far back (the descriptor stops being readable).
    fn drain(&self);
}

/// A [`WakeSignal`] with a flag that coalesces `notify`s: see the module docs.
#[derive(Debug)]
pub struct WakeLatch<S> {
    signal: S,
    /// A wake-up is raised (or being raised) and not yet drained: later `notify`s
    /// need not raise again.
    notified: AtomicBool,
}

impl<S: WakeSignal> WakeLatch<S> {
    /// Wraps a signal that is not raised.
    pub fn new(signal: S) -> Self {
        Self {
            signal,
            notified: AtomicBool::new(false),
        }
    }

    /// Ends the poller's current or next wait, from any thread: raises the signal
    /// unless a wake-up is already pending.
    ///
    /// An error from `raise` is returned and the flag stays set, so later `notify`s
    /// write nothing until a wait drains; an eventfd written at most once per drain
    /// fails only if the descriptor itself is broken.
    pub fn notify(&self) -> io::Result<()> {
        // SeqCst: one total order with `after_wake`'s clear, so a notify either
        // sees the flag set before the clear (and the poller is still to return)
        // or sets it after and raises.
        if !self.notified.swap(true, Ordering::SeqCst) {
            self.signal.raise()?;
        }
        Ok(())
    }

    /// Called by the poller when a wait reported the signal: drains it, *then*
    /// clears the flag (the order is the protocol; see the module docs).
    pub fn after_wake(&self) {
        self.signal.drain();
        // A swap whose result is unused, not a store: the same one `xchg` on
        // x86_64 (a SeqCst store is an `xchg` there too), and loom 0.7 lets a plain
        // store land between the read and the write of a racing `notify`'s swap
        // (tokio-rs/loom#254), a history no hardware has, so with a store the model
        // would report a stuck latch that cannot happen. As an RMW it also reads
        // from the `notify`s it clears, which is what lets the poller's caller see
        // what they published without relying on SeqCst (loom models that as AcqRel).
        self.notified.swap(false, Ordering::SeqCst);
    }
}
