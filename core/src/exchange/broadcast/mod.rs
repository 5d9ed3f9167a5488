//! [`Broadcast`]: the shared-ring flavour of recipe 12.11's publish/subscribe, for
//! many readers of one stream (each a cursor into one ring; lagging readers are told
//! how many messages they missed). The type's docs compare it with `Exchange`.

mod error;

use core::cell::Cell;

use mutex::BlockingMutex;
use mutex_traits::{ConstInit, ScopedRawMutex};

use crate::wait::{wait_until, WaitList};

pub use error::{
    BroadcastRecvError, BroadcastRecvTimeoutError, BroadcastSendError, BroadcastTryRecvError,
};

/// The ring and its bookkeeping, all under the broadcast's raw exclusion.
struct Ring<T, const N: usize> {
    /// Slot `p % N` holds the message of position `p` for the newest `N` positions.
    slots: [Option<T>; N],
    /// The position the next message gets (wrapping; only differences matter).
    tail: usize,
    /// How many [`BroadcastReceiver`]s exist.
    receivers: usize,
    closed: bool,
    /// A receiver found nothing new and is about to wait (set under this lock inside
    /// the wait list's check): the next publish wakes the waiters. Both sides act
    /// under this one lock, so the flag needs no atomic protocol of its own.
    waiting: bool,
}

impl<T: Clone, const N: usize> Ring<T, N> {
    /// Reads the message at `*next`, moving the cursor on.
    fn read(&self, next: &mut usize) -> Result<T, BroadcastTryRecvError> {
        let behind = self.tail.wrapping_sub(*next);
        if behind == 0 {
            return Err(if self.closed {
                BroadcastTryRecvError::Closed
            } else {
                BroadcastTryRecvError::Empty
            });
        }
        if behind > N {
            // Overwritten: skip to the oldest message the ring still holds.
            *next = self.tail.wrapping_sub(N);
            return Err(BroadcastTryRecvError::Lagged(behind - N));
        }
        let message = self.slots[*next % N].clone();
        debug_assert!(message.is_some(), "positions tail-N..tail are all written");
        *next = next.wrapping_add(1);
        message.ok_or(BroadcastTryRecvError::Empty)
    }
}

/// A publish/subscribe hub whose subscribers share one ring of `N` messages of `T`,
/// guarded by the raw exclusion `R`: the shared-ring flavour of recipe 12.11.
///
/// [`Exchange`](super::Exchange) gives every subscriber its own queue and its own
/// overflow policy: right when subscribers are different things (a queue, an actor,
/// a tap) and a slow one must not cost the others their messages. When every
/// subscriber is a reader of the same stream, one ring shared by all of them is
/// cheaper: a message is written once, each [`BroadcastReceiver`] is only a cursor
/// into the ring, and a receiver that falls more than `N` messages behind is told
/// exactly how many it missed ([`BroadcastRecvError::Lagged`]) instead of holding the
/// publisher up. This is the design of `tokio::sync::broadcast` and embassy-sync's
/// `PubSubChannel`, without a heap. Pick the flavour per exchange.
///
/// | | [`Exchange`](super::Exchange) | [`Broadcast`] |
/// |---|---|---|
/// | storage | a queue per subscriber | one ring of `N` messages |
/// | subscribers | anything implementing `Subscriber` | [`BroadcastReceiver`] cursors |
/// | slow subscriber | its own `Overflow` policy | skips ahead, told how many it missed |
/// | publisher waits? | with `Overflow::Wait` | never |
/// | message type | `T: Clone` | `T: Clone` (cloned once per receive) |
///
/// The ring's raw exclusion `R` guards each publish and each receive for the time
/// of one clone: with `CriticalSectionRawMutex` an interrupt handler may publish
/// (`try_send` never waits) while tasks receive.
///
/// ```
/// use spindle_core::exchange::{Broadcast, BroadcastTryRecvError};
/// use spindle_core::raw::CriticalSectionRawMutex;
///
/// static TICKS: Broadcast<CriticalSectionRawMutex, u32, 4> = Broadcast::new();
///
/// let mut fast = TICKS.subscribe();
/// let mut slow = TICKS.subscribe();
/// for n in 0..6 {
///     TICKS.try_send(n).unwrap(); // from the timer interrupt, say
///     assert_eq!(fast.try_recv(), Ok(n));
/// }
/// // `slow` read nothing: the ring kept the newest four, and says two were lost.
/// assert_eq!(slow.try_recv(), Err(BroadcastTryRecvError::Lagged(2)));
/// assert_eq!(slow.try_recv(), Ok(2));
/// ```
///
/// `N = 0` is rejected when the program is built (`cargo build`; `cargo check` does
/// not evaluate the assertion).
pub struct Broadcast<R, T, const N: usize> {
    ring: BlockingMutex<R, Ring<T, N>>,
    waiters: WaitList<R>,
}

impl<R: ScopedRawMutex + ConstInit, T, const N: usize> Broadcast<R, T, N> {
    const VALID: () = assert!(N > 0, "a Broadcast needs room for at least one message");

    loom_const_fn! {
        /// An empty broadcast with no subscribers. `const`, so it can initialise a
        /// `static`.
        pub fn new() -> Self {
            #[allow(clippy::let_unit_value)]
            let () = Self::VALID;
            Self {
                ring: BlockingMutex::new(Ring {
                    slots: [const { None }; N],
                    tail: 0,
                    receivers: 0,
                    closed: false,
                    waiting: false,
                }),
                waiters: WaitList::new(),
            }
        }
    }
}

impl<R: ScopedRawMutex + ConstInit, T, const N: usize> Default for Broadcast<R, T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: ScopedRawMutex, T: Clone, const N: usize> Broadcast<R, T, N> {
    /// A new receiver, which sees every message published from now on.
    ///
    /// ```
    /// use spindle_core::exchange::{Broadcast, BroadcastTryRecvError};
    /// use spindle_core::raw::NoopRawMutex;
    ///
    /// let news: Broadcast<NoopRawMutex, &str, 8> = Broadcast::new();
    /// let mut early = news.subscribe();
    /// news.try_send("first").unwrap();
    /// let mut late = news.subscribe();
    /// news.try_send("second").unwrap();
    /// assert_eq!(early.try_recv(), Ok("first"));
    /// assert_eq!(late.try_recv(), Ok("second"));
    /// assert_eq!(late.try_recv(), Err(BroadcastTryRecvError::Empty));
    /// ```
    pub fn subscribe(&self) -> BroadcastReceiver<'_, R, T, N> {
        let next = self.ring.with_lock(|ring| {
            ring.receivers += 1;
            ring.tail
        });
        BroadcastReceiver { chan: self, next }
    }

    /// Publishes `message` to every receiver, never waiting: when the ring is full
    /// the oldest message is overwritten (receivers that had not read it are told
    /// they lagged). Returns how many receivers there are.
    ///
    /// # Errors
    /// The message comes back in [`BroadcastSendError::NoReceivers`] when nobody is
    /// subscribed, and in [`BroadcastSendError::Closed`] after [`close`](Self::close).
    pub fn try_send(&self, message: T) -> Result<usize, BroadcastSendError<T>> {
        let (receivers, wake, _overwritten) = self.ring.with_lock(|ring| {
            if ring.closed {
                return Err(BroadcastSendError::Closed(message));
            }
            if ring.receivers == 0 {
                return Err(BroadcastSendError::NoReceivers(message));
            }
            let slot = &mut ring.slots[ring.tail % N];
            // The message it replaces is dropped after the lock is released.
            let overwritten = slot.replace(message);
            ring.tail = ring.tail.wrapping_add(1);
            Ok((
                ring.receivers,
                core::mem::take(&mut ring.waiting),
                overwritten,
            ))
        })?;
        if wake {
            self.waiters.wake_all();
        }
        Ok(receivers)
    }

    /// Closes the broadcast: later publishes get their message back; receivers read
    /// what is still in the ring for them, then get `Closed`. Returns `false` if it
    /// was already closed.
    pub fn close(&self) -> bool {
        let first = self
            .ring
            .with_lock(|ring| !core::mem::replace(&mut ring.closed, true));
        self.waiters.wake_all();
        first
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.ring.with_lock(|ring| ring.closed)
    }

    /// How many receivers exist now (a snapshot).
    pub fn receiver_count(&self) -> usize {
        self.ring.with_lock(|ring| ring.receivers)
    }

    /// How many messages the ring holds for a receiver at most: `N`.
    pub const fn capacity(&self) -> usize {
        N
    }
}

impl<R, T, const N: usize> core::fmt::Debug for Broadcast<R, T, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Broadcast")
            .field("capacity", &N)
            .finish_non_exhaustive()
    }
}

/// One subscriber of a [`Broadcast`]: a cursor into its ring. Dropping it
/// unsubscribes.
pub struct BroadcastReceiver<'a, R: ScopedRawMutex, T, const N: usize> {
    chan: &'a Broadcast<R, T, N>,
    /// The position of the next message this receiver reads.
    next: usize,
}

impl<R: ScopedRawMutex, T: Clone, const N: usize> BroadcastReceiver<'_, R, T, N> {
    /// Takes the next message if one is there; never waits.
    ///
    /// # Errors
    /// [`Empty`](BroadcastTryRecvError::Empty) when nothing new came,
    /// [`Lagged(n)`](BroadcastTryRecvError::Lagged) when `n` messages were
    /// overwritten unread (the next call gives the oldest one left),
    /// [`Closed`](BroadcastTryRecvError::Closed) when closed and read to the end.
    pub fn try_recv(&mut self) -> Result<T, BroadcastTryRecvError> {
        let next = &mut self.next;
        self.chan.ring.with_lock(|ring| ring.read(next))
    }

    /// Waits for the next message. Dropping the future before it completes loses
    /// nothing: the cursor only moves when a message is returned.
    ///
    /// # Errors
    /// [`Lagged(n)`](BroadcastRecvError::Lagged) as in
    /// [`try_recv`](Self::try_recv); [`Closed`](BroadcastRecvError::Closed) when
    /// closed and read to the end.
    pub async fn recv(&mut self) -> Result<T, BroadcastRecvError> {
        let chan = self.chan;
        let as_recv = |r: Result<T, BroadcastTryRecvError>| match r {
            Ok(message) => Some(Ok(message)),
            Err(BroadcastTryRecvError::Lagged(n)) => Some(Err(BroadcastRecvError::Lagged(n))),
            Err(BroadcastTryRecvError::Closed) => Some(Err(BroadcastRecvError::Closed)),
            Err(BroadcastTryRecvError::Empty) => None,
        };
        if let Some(done) = as_recv(self.try_recv()) {
            return done;
        }
        // The cursor is shared by the two closures of the one waiting loop; it is
        // written back only when the wait ends (a dropped wait moves nothing).
        let next = Cell::new(self.next);
        let done = wait_until(
            &chan.waiters,
            || {
                chan.ring.with_lock(|ring| {
                    if ring.tail != next.get() || ring.closed {
                        true
                    } else {
                        ring.waiting = true;
                        false
                    }
                })
            },
            || {
                let mut cursor = next.get();
                let got = chan.ring.with_lock(|ring| ring.read(&mut cursor));
                next.set(cursor);
                as_recv(got)
            },
        )
        .await;
        self.next = next.get();
        done
    }

    /// [`recv`](Self::recv), blocking the thread.
    pub fn recv_blocking(&mut self) -> Result<T, BroadcastRecvError> {
        crate::wait::block_on(self.recv())
    }

    /// [`recv`](Self::recv) for at most `timeout`.
    #[cfg(feature = "std")]
    pub fn recv_timeout(
        &mut self,
        timeout: core::time::Duration,
    ) -> Result<T, BroadcastRecvTimeoutError> {
        match crate::wait::block_on_timeout(self.recv(), timeout) {
            Some(Ok(message)) => Ok(message),
            Some(Err(BroadcastRecvError::Lagged(n))) => Err(BroadcastRecvTimeoutError::Lagged(n)),
            Some(Err(BroadcastRecvError::Closed)) => Err(BroadcastRecvTimeoutError::Closed),
            None => Err(BroadcastRecvTimeoutError::TimedOut),
        }
    }

    /// How many messages are waiting for this receiver (at most `N`; a snapshot).
    pub fn len(&self) -> usize {
        let next = self.next;
        self.chan
            .ring
            .with_lock(|ring| ring.tail.wrapping_sub(next).min(N))
    }

    /// Whether nothing new is waiting for this receiver (a snapshot).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<R: ScopedRawMutex, T, const N: usize> Drop for BroadcastReceiver<'_, R, T, N> {
    fn drop(&mut self) {
        self.chan.ring.with_lock(|ring| ring.receivers -= 1);
    }
}

impl<R: ScopedRawMutex, T, const N: usize> core::fmt::Debug for BroadcastReceiver<'_, R, T, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("BroadcastReceiver").finish_non_exhaustive()
    }
}
