//! [`Oneshot`]: a slot that receives one value, which a waiter takes. A result
//! object as in recipe 12.10's Worker (`Result` with an `Event`) and 12.7's futures;
//! usable from a `static`, with no heap.

use core::fmt;
use core::future::poll_fn;
use core::mem::MaybeUninit;
use core::pin::pin;
use core::task::Poll;

use mutex_traits::{ConstInit, ScopedRawMutex};

use crate::error::{RecvError, SendError};
use crate::loom::{AtomicUsize, Ordering, UnsafeCell};
use crate::wait::WaitList;

const STAGE: usize = 0b111;
const EMPTY: usize = 0;
const WRITING: usize = 1;
const FULL: usize = 2;
const TAKEN: usize = 3;
const CLOSED: usize = 4;
const WAITERS: usize = 0b1000;
/// Set by [`Oneshot::claim`] while the slot is empty: one request owns it. Every
/// stage change away from EMPTY drops the bit (it only means something while EMPTY),
/// and [`Oneshot::reset`] clears it.
const CLAIMED: usize = 0b1_0000;

/// A one-value slot: one [`send`](Self::send), one successful receive.
///
/// Stages: *empty -> full -> taken*, or *empty -> closed*. A second `send` gets its
/// value back ([`SendError::Full`]); a receive after the value was taken or the slot
/// closed reports [`RecvError::Closed`]. [`reset`](Self::reset) makes it reusable.
///
/// ```
/// use spindle_core::raw::ParkingRawMutex;
/// use spindle_core::sync::Oneshot;
///
/// static ANSWER: Oneshot<ParkingRawMutex, u64> = Oneshot::new();
///
/// let worker = std::thread::spawn(|| ANSWER.send(6 * 7).unwrap());
/// assert_eq!(ANSWER.recv_blocking(), Ok(42));
/// worker.join().unwrap();
/// ```
pub struct Oneshot<R, T> {
    state: AtomicUsize,
    value: UnsafeCell<MaybeUninit<T>>,
    waiters: WaitList<R>,
}

// SAFETY: the value moves from the sender's context to one receiver's, never shared:
// `T: Send` suffices. The stage word orders the write before the read.
unsafe impl<R: ScopedRawMutex + Sync, T: Send> Sync for Oneshot<R, T> {}
// SAFETY: moving the slot moves the value.
unsafe impl<R: ScopedRawMutex + Send, T: Send> Send for Oneshot<R, T> {}

impl<R: ScopedRawMutex + ConstInit, T> Oneshot<R, T> {
    loom_const_fn! {
        /// An empty slot.
        pub fn new() -> Self {
            Self {
                state: AtomicUsize::new(EMPTY),
                value: UnsafeCell::new(MaybeUninit::uninit()),
                waiters: WaitList::new(),
            }
        }
    }
}

impl<R: ScopedRawMutex + ConstInit, T> Default for Oneshot<R, T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: ScopedRawMutex, T> Oneshot<R, T> {
    /// Puts `value` in the slot and wakes the receivers. If the slot is not empty the
    /// value comes back in the error.
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        let mut s = self.state.load(Ordering::Relaxed);
        loop {
            match s & STAGE {
                EMPTY => {}
                CLOSED => return Err(SendError::Closed(value)),
                _ => return Err(SendError::Full(value)),
            }
            match self.state.compare_exchange_weak(
                s,
                (s & WAITERS) | WRITING,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(now) => s = now,
            }
        }
        // SAFETY: the WRITING stage, which only we could enter, gives us exclusive
        // access to the empty slot.
        self.value.with_mut(|v| unsafe { (*v).write(value) });
        let prev = self.state.fetch_xor(WRITING ^ FULL, Ordering::Release);
        if prev & WAITERS != 0 {
            self.wake_receivers();
        }
        Ok(())
    }

    fn wake_receivers(&self) {
        self.waiters.wake_all_or(|| {
            self.state.fetch_and(!WAITERS, Ordering::Relaxed);
        });
    }

    /// Takes the value if it is there, without waiting.
    pub fn try_recv(&self) -> Result<T, RecvError> {
        let mut s = self.state.load(Ordering::Acquire);
        loop {
            match s & STAGE {
                FULL => {}
                EMPTY | WRITING => return Err(RecvError::Empty),
                _ => return Err(RecvError::Closed),
            }
            match self.state.compare_exchange_weak(
                s,
                (s & WAITERS) | TAKEN,
                Ordering::Acquire,
                Ordering::Acquire,
            ) {
                // SAFETY: we moved the stage from FULL to TAKEN, so the value is
                // initialised and ours alone; TAKEN means nobody reads it again.
                Ok(_) => return Ok(self.value.with(|v| unsafe { (*v).assume_init_read() })),
                Err(now) => s = now,
            }
        }
    }

    /// Waits for the value asynchronously.
    pub async fn recv(&self) -> Result<T, RecvError> {
        match self.try_recv() {
            Err(RecvError::Empty) => {}
            done => return done,
        }
        let mut waiter = pin!(self.waiters.waiter());
        poll_fn(|cx| loop {
            match self.try_recv() {
                Err(RecvError::Empty) => {}
                done => return Poll::Ready(done),
            }
            let ready = waiter.as_mut().poll_wait(cx, || {
                let s = self.state.fetch_or(WAITERS, Ordering::Acquire);
                !matches!(s & STAGE, EMPTY | WRITING)
            });
            if ready.is_pending() {
                return Poll::Pending;
            }
        })
        .await
    }

    /// Waits for the value, blocking the thread.
    pub fn recv_blocking(&self) -> Result<T, RecvError> {
        crate::wait::block_on(self.recv())
    }

    /// Waits at most `timeout` for the value.
    #[cfg(feature = "std")]
    pub fn recv_timeout(&self, timeout: core::time::Duration) -> Result<T, RecvError> {
        crate::wait::block_on_timeout(self.recv(), timeout).unwrap_or(Err(RecvError::TimedOut))
    }

    /// Closes an empty slot: waiting receivers get [`RecvError::Closed`] and a later
    /// `send` gets its value back. Returns `false` (changing nothing) if the slot is
    /// not empty.
    pub fn close(&self) -> bool {
        let mut s = self.state.load(Ordering::Relaxed);
        loop {
            if s & STAGE != EMPTY {
                return false;
            }
            match self.state.compare_exchange_weak(
                s,
                (s & WAITERS) | CLOSED,
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(now) => s = now,
            }
        }
        if s & WAITERS != 0 {
            self.wake_receivers();
        }
        true
    }

    /// Claims a fresh slot for one request: `true` if the slot is empty and nobody
    /// claimed it before, `false` if it was claimed already, holds or gave a value,
    /// or is closed. An asker claims its reply slot before sending the request, so a
    /// spent or shared slot is refused at the ask instead of yielding a promise
    /// that can never be answered. [`reset`](Self::reset) makes the slot claimable
    /// again.
    ///
    /// ```
    /// use spindle_core::raw::NoopRawMutex;
    /// use spindle_core::sync::Oneshot;
    ///
    /// let mut slot: Oneshot<NoopRawMutex, u8> = Oneshot::new();
    /// assert!(slot.claim());
    /// assert!(!slot.claim()); // one request per slot
    /// slot.send(1).unwrap();
    /// assert_eq!(slot.try_recv(), Ok(1));
    /// assert!(!slot.claim()); // spent
    /// slot.reset();
    /// assert!(slot.claim());
    /// ```
    pub fn claim(&self) -> bool {
        // Relaxed: the bit orders nothing; it only arbitrates between claimers, and
        // the RMW sees the latest stage.
        let prev = self.state.fetch_or(CLAIMED, Ordering::Relaxed);
        prev & STAGE == EMPTY && prev & CLAIMED == 0
    }

    /// Whether a value is waiting to be taken (a snapshot).
    pub fn is_full(&self) -> bool {
        self.state.load(Ordering::Relaxed) & STAGE == FULL
    }

    /// Whether the slot will never yield a value again: closed, or its value taken.
    pub fn is_closed(&self) -> bool {
        matches!(self.state.load(Ordering::Relaxed) & STAGE, TAKEN | CLOSED)
    }

    /// Empties the slot for reuse, returning a value nobody took.
    pub fn reset(&mut self) -> Option<T> {
        let stage = self.stage_mut();
        let out = (stage == FULL).then(|| {
            // SAFETY: FULL means initialised, and `&mut self` means nobody else sees it.
            self.value.with(|v| unsafe { (*v).assume_init_read() })
        });
        self.set_stage_mut(EMPTY);
        out
    }

    #[cfg(not(loom))]
    fn stage_mut(&mut self) -> usize {
        *self.state.get_mut() & STAGE
    }

    #[cfg(loom)]
    fn stage_mut(&mut self) -> usize {
        self.state.load(Ordering::Relaxed) & STAGE
    }

    #[cfg(not(loom))]
    fn set_stage_mut(&mut self, stage: usize) {
        *self.state.get_mut() = stage;
    }

    #[cfg(loom)]
    fn set_stage_mut(&mut self, stage: usize) {
        self.state.store(stage, Ordering::Relaxed);
    }
}

impl<R, T> Drop for Oneshot<R, T> {
    fn drop(&mut self) {
        #[cfg(not(loom))]
        let stage = *self.state.get_mut() & STAGE;
        #[cfg(loom)]
        let stage = self.state.load(Ordering::Relaxed) & STAGE;
        if stage == FULL {
            // SAFETY: FULL means initialised; we are the last owner.
            self.value.with_mut(|v| unsafe { (*v).assume_init_drop() });
        }
    }
}

impl<R, T> fmt::Debug for Oneshot<R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stage = match self.state.load(Ordering::Relaxed) & STAGE {
            EMPTY | WRITING => "empty",
            FULL => "full",
            TAKEN => "taken",
            _ => "closed",
        };
        f.debug_struct("Oneshot").field("stage", &stage).finish()
    }
}
