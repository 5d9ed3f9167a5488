//! What an exchange sends to: the [`Subscriber`] trait (the book's "any object with
//! a `send()` method") and its adapters for spindle's queues and for closures.

use core::fmt;
use core::task::{Context, Poll};

use super::error::Refused;
use crate::queue::{Queue, QueueRef, QueueStore};

/// Anything that accepts messages from an [`Exchange`](super::Exchange): a spindle
/// queue (`Queue`/`QueueRef`, cloning each message), a closure ([`from_fn`]), a
/// [`Tap`](super::Tap), an actor's [`Addr`](crate::actor::Addr) (implemented in
/// `actor`), or your own type (a socket, ...).
///
/// Deliveries run outside the exchange's lock, so a subscriber may take its time or
/// lock things, but it must not detach *itself* from inside a delivery (detaching
/// waits for deliveries in progress).
///
/// ```
/// use core::sync::atomic::{AtomicUsize, Ordering};
/// use spindle_core::exchange::{Refused, Subscriber};
///
/// /// Accepts only even numbers, counting them.
/// struct Evens(AtomicUsize);
/// impl Subscriber<u32> for Evens {
///     fn try_deliver(&self, msg: &u32) -> Result<(), Refused> {
///         if msg % 2 == 1 {
///             return Err(Refused::Full);
///         }
///         self.0.fetch_add(1, Ordering::Relaxed);
///         Ok(())
///     }
/// }
/// let e = Evens(AtomicUsize::new(0));
/// assert_eq!(e.try_deliver(&3), Err(Refused::Full));
/// assert_eq!(e.try_deliver(&4), Ok(()));
/// ```
pub trait Subscriber<T> {
    /// Accepts `msg` if it can without waiting.
    fn try_deliver(&self, msg: &T) -> Result<(), Refused>;

    /// Discards the oldest message that was delivered but not yet consumed, to make
    /// room ([`Overflow::DropOldest`](super::Overflow::DropOldest)); returns whether
    /// it discarded one. The default cannot, and returns `false`.
    fn discard_oldest(&self) -> bool {
        false
    }

    /// Delivers `msg`, waiting for room ([`Overflow::Wait`](super::Overflow::Wait)
    /// in an async send). `Pending` must arrange for `cx`'s waker to be woken when
    /// delivery may succeed. The default retries cooperatively: when full, it wakes
    /// the task at once and returns `Pending`, so the executor runs other tasks
    /// (e.g. the consumer) before the next try.
    fn poll_deliver(&self, msg: &T, cx: &mut Context<'_>) -> Poll<Result<(), Refused>> {
        match self.try_deliver(msg) {
            Err(Refused::Full) => {
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            done => Poll::Ready(done),
        }
    }
}

/// A spindle queue subscribes with a clone of each message; `DropOldest` discards
/// the queue's oldest item; a closed queue refuses with [`Refused::Closed`].
///
/// ```
/// use spindle_core::exchange::{Exchange, Overflow};
/// use spindle_core::queue::Queue;
/// use spindle_core::raw::SpinRawMutex;
///
/// let inbox: Queue<SpinRawMutex, &str, 4> = Queue::new();
/// let ex: Exchange<SpinRawMutex, &str, 4> = Exchange::new();
/// let _sub = ex.subscribe(&inbox, Overflow::DropOldest).unwrap();
/// ex.try_send("hello").unwrap();
/// assert_eq!(inbox.try_recv(), Ok("hello"));
/// ```
impl<R: QueueStore, T: Clone> Subscriber<T> for QueueRef<R, T> {
    fn try_deliver(&self, msg: &T) -> Result<(), Refused> {
        self.try_send(msg.clone()).map_err(Refused::from)
    }

    fn discard_oldest(&self) -> bool {
        self.try_recv().is_ok()
    }
}

/// The same as for [`QueueRef`].
impl<R: QueueStore, T: Clone, const N: usize> Subscriber<T> for Queue<R, T, N> {
    fn try_deliver(&self, msg: &T) -> Result<(), Refused> {
        (**self).try_deliver(msg)
    }

    fn discard_oldest(&self) -> bool {
        (**self).discard_oldest()
    }
}

/// A closure as a subscriber: see [`from_fn`].
#[derive(Clone, Copy)]
pub struct FnSubscriber<F>(F);

/// Wraps a closure that takes every message it is given (it never refuses).
///
/// ```
/// use core::sync::atomic::{AtomicU32, Ordering};
/// use spindle_core::exchange::{from_fn, Exchange, Overflow};
/// use spindle_core::raw::SpinRawMutex;
///
/// let sum = AtomicU32::new(0);
/// let adder = from_fn(|n: &u32| {
///     sum.fetch_add(*n, Ordering::Relaxed);
/// });
/// let ex: Exchange<SpinRawMutex, u32, 2> = Exchange::new();
/// let sub = ex.subscribe(&adder, Overflow::Wait).unwrap();
/// ex.try_send(2).unwrap();
/// ex.try_send(3).unwrap();
/// assert_eq!(sub.unsubscribe().delivered, 2);
/// assert_eq!(sum.load(Ordering::Relaxed), 5);
/// ```
pub fn from_fn<T, F: Fn(&T)>(f: F) -> FnSubscriber<F> {
    FnSubscriber(f)
}

impl<T, F: Fn(&T)> Subscriber<T> for FnSubscriber<F> {
    fn try_deliver(&self, msg: &T) -> Result<(), Refused> {
        (self.0)(msg);
        Ok(())
    }
}

impl<F> fmt::Debug for FnSubscriber<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FnSubscriber(..)")
    }
}
