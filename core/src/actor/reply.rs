//! Request/response for actors: the book's `Worker` with its `Result` object
//! (recipe 12.10). The asker keeps a [`Promise`]; the message carries the matching
//! [`Reply`], through which the actor answers once. Both sides are views of one
//! [`Oneshot`] slot: storage the asker owns (no heap), or with `alloc` one shared
//! by reference count ([`pair`]).
//!
//! An actor that drops a `Reply` without answering closes the slot, so the asker
//! gets [`RecvError`] instead of waiting forever.

use core::fmt;

use mutex_traits::ScopedRawMutex;

#[cfg(feature = "std")]
use crate::error::RecvTimeoutError;
use crate::error::{RecvError, TryRecvError, TrySendError};
use crate::sync::Oneshot;

#[cfg(feature = "alloc")]
use alloc::sync::Arc;

/// Where the answer goes: a borrowed slot or (with `alloc`) a shared one.
enum Slot<'a, R, T> {
    Borrowed(&'a Oneshot<R, T>),
    #[cfg(feature = "alloc")]
    Shared(Arc<Oneshot<R, T>>),
}

impl<R, T> Slot<'_, R, T> {
    fn get(&self) -> &Oneshot<R, T> {
        match self {
            Slot::Borrowed(s) => s,
            #[cfg(feature = "alloc")]
            Slot::Shared(s) => s,
        }
    }
}

/// The answering half of a request: put it in the message; the actor calls
/// [`send`](Self::send) once. Dropping it unanswered tells the asker
/// ([`RecvError`]).
///
/// ```
/// use spindle_core::actor::{Promise, Reply};
/// use spindle_core::raw::NoopRawMutex;
/// use spindle_core::sync::Oneshot;
///
/// let slot: Oneshot<NoopRawMutex, u32> = Oneshot::new();
/// let (reply, promise) = (Reply::new(&slot), Promise::new(&slot));
/// reply.send(8).unwrap();
/// assert_eq!(promise.try_get(), Ok(8));
/// ```
pub struct Reply<'a, R: ScopedRawMutex, T> {
    slot: Slot<'a, R, T>,
}

impl<'a, R: ScopedRawMutex, T> Reply<'a, R, T> {
    /// The answering half for `slot`, which must be fresh (new, or
    /// [`reset`](Oneshot::reset)): a slot that already holds or gave an answer
    /// refuses a second one.
    ///
    /// ```
    /// use spindle_core::actor::Reply;
    /// use spindle_core::raw::NoopRawMutex;
    /// use spindle_core::sync::Oneshot;
    ///
    /// let slot: Oneshot<NoopRawMutex, &str> = Oneshot::new();
    /// Reply::new(&slot).send("done").unwrap();
    /// assert_eq!(slot.try_recv(), Ok("done"));
    /// ```
    pub fn new(slot: &'a Oneshot<R, T>) -> Self {
        Self {
            slot: Slot::Borrowed(slot),
        }
    }

    /// Answers the request and wakes the asker. Fails, giving the value back, if
    /// the slot was not fresh ([`TrySendError::Full`] or [`TrySendError::Closed`]).
    ///
    /// ```
    /// use spindle_core::actor::Reply;
    /// use spindle_core::error::TrySendError;
    /// use spindle_core::raw::NoopRawMutex;
    /// use spindle_core::sync::Oneshot;
    ///
    /// let slot: Oneshot<NoopRawMutex, u8> = Oneshot::new();
    /// Reply::new(&slot).send(1).unwrap();
    /// assert_eq!(Reply::new(&slot).send(2), Err(TrySendError::Full(2)));
    /// ```
    pub fn send(self, value: T) -> Result<(), TrySendError<T>> {
        self.slot.get().send(value)
    }
}

impl<R: ScopedRawMutex, T> Drop for Reply<'_, R, T> {
    fn drop(&mut self) {
        // No-op once answered; otherwise the asker learns no answer will come.
        self.slot.get().close();
    }
}

impl<R: ScopedRawMutex, T> fmt::Debug for Reply<'_, R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reply").finish_non_exhaustive()
    }
}

/// The asking half of a request: the book's `Result` object. Take the answer
/// without waiting ([`try_get`](Self::try_get)), await it ([`get`](Self::get)) or
/// block on it ([`get_blocking`](Self::get_blocking)).
///
/// ```
/// use spindle_core::actor::{Promise, Reply};
/// use spindle_core::error::{RecvError, TryRecvError};
/// use spindle_core::raw::NoopRawMutex;
/// use spindle_core::sync::Oneshot;
///
/// let slot: Oneshot<NoopRawMutex, u32> = Oneshot::new();
/// let promise = Promise::new(&slot);
/// assert_eq!(promise.try_get(), Err(TryRecvError::Empty));
/// drop(Reply::new(&slot)); // the actor dropped the request unanswered
/// assert_eq!(promise.get_blocking(), Err(RecvError));
/// ```
pub struct Promise<'a, R: ScopedRawMutex, T> {
    slot: Slot<'a, R, T>,
}

impl<'a, R: ScopedRawMutex, T> Promise<'a, R, T> {
    /// The asking half for `slot`.
    ///
    /// ```
    /// use spindle_core::actor::Promise;
    /// use spindle_core::raw::NoopRawMutex;
    /// use spindle_core::sync::Oneshot;
    ///
    /// let slot: Oneshot<NoopRawMutex, u32> = Oneshot::new();
    /// slot.send(3).unwrap();
    /// assert_eq!(Promise::new(&slot).try_get(), Ok(3));
    /// ```
    pub fn new(slot: &'a Oneshot<R, T>) -> Self {
        Self {
            slot: Slot::Borrowed(slot),
        }
    }

    /// Whether the answer has come and waits to be taken (a snapshot).
    ///
    /// ```
    /// use spindle_core::actor::{Promise, Reply};
    /// use spindle_core::raw::NoopRawMutex;
    /// use spindle_core::sync::Oneshot;
    ///
    /// let slot: Oneshot<NoopRawMutex, u32> = Oneshot::new();
    /// let promise = Promise::new(&slot);
    /// assert!(!promise.is_ready());
    /// Reply::new(&slot).send(1).unwrap();
    /// assert!(promise.is_ready());
    /// ```
    pub fn is_ready(&self) -> bool {
        self.slot.get().is_full()
    }

    /// The answer, if it has come: [`TryRecvError::Empty`] if not yet,
    /// [`TryRecvError::Closed`] if it never will (or was taken already).
    ///
    /// ```
    /// use spindle_core::actor::{Promise, Reply};
    /// use spindle_core::error::TryRecvError;
    /// use spindle_core::raw::NoopRawMutex;
    /// use spindle_core::sync::Oneshot;
    ///
    /// let slot: Oneshot<NoopRawMutex, u32> = Oneshot::new();
    /// let promise = Promise::new(&slot);
    /// Reply::new(&slot).send(5).unwrap();
    /// assert_eq!(promise.try_get(), Ok(5));
    /// assert_eq!(promise.try_get(), Err(TryRecvError::Closed));
    /// ```
    pub fn try_get(&self) -> Result<T, TryRecvError> {
        self.slot.get().try_recv()
    }

    /// Waits asynchronously for the answer; [`RecvError`] if the actor
    /// dropped the request unanswered.
    ///
    /// ```
    /// use spindle_core::actor::{Promise, Reply};
    /// use spindle_core::raw::NoopRawMutex;
    /// use spindle_core::sync::Oneshot;
    /// use spindle_core::wait::block_on;
    ///
    /// let slot: Oneshot<NoopRawMutex, u32> = Oneshot::new();
    /// Reply::new(&slot).send(9).unwrap();
    /// assert_eq!(block_on(Promise::new(&slot).get()), Ok(9));
    /// ```
    pub async fn get(&self) -> Result<T, RecvError> {
        self.slot.get().recv().await
    }

    /// Waits for the answer, blocking the thread (Python's `r.result()`).
    ///
    /// ```
    /// use spindle_core::actor::{Promise, Reply};
    /// use spindle_core::raw::ParkingRawMutex;
    /// use spindle_core::sync::Oneshot;
    ///
    /// static SLOT: Oneshot<ParkingRawMutex, u64> = Oneshot::new();
    /// let t = std::thread::spawn(|| Reply::new(&SLOT).send(2u64.pow(3)).unwrap());
    /// assert_eq!(Promise::new(&SLOT).get_blocking(), Ok(8));
    /// t.join().unwrap();
    /// ```
    pub fn get_blocking(&self) -> Result<T, RecvError> {
        self.slot.get().recv_blocking()
    }

    /// Waits at most `timeout` for the answer: [`RecvTimeoutError::TimedOut`] if
    /// none came, [`RecvTimeoutError::Closed`] if none will.
    ///
    /// ```
    /// use std::time::Duration;
    /// use spindle_core::actor::Promise;
    /// use spindle_core::error::RecvTimeoutError;
    /// use spindle_core::raw::ParkingRawMutex;
    /// use spindle_core::sync::Oneshot;
    ///
    /// let slot: Oneshot<ParkingRawMutex, u8> = Oneshot::new();
    /// let promise = Promise::new(&slot);
    /// assert_eq!(promise.get_timeout(Duration::from_millis(1)), Err(RecvTimeoutError::TimedOut));
    /// ```
    #[cfg(feature = "std")]
    pub fn get_timeout(&self, timeout: core::time::Duration) -> Result<T, RecvTimeoutError> {
        self.slot.get().recv_timeout(timeout)
    }
}

impl<R: ScopedRawMutex, T> fmt::Debug for Promise<'_, R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Promise")
            .field("ready", &self.is_ready())
            .finish()
    }
}

/// A reply slot shared by reference count (`alloc`): a [`Reply`] and its
/// [`Promise`] that borrow nothing, for messages that must be `'static` (e.g.
/// actors spawned with [`spawn_boxed`](crate::sched::Scheduler::spawn_boxed) or
/// on threads).
///
/// ```
/// use spindle_core::actor::{reply, Mailbox, Reply};
/// use spindle_core::raw::ParkingRawMutex;
///
/// enum Msg {
///     Pow(u64, u32, Reply<'static, ParkingRawMutex, u64>),
/// }
///
/// static WORKER: Mailbox<ParkingRawMutex, Msg, 4> = Mailbox::new();
/// let t = std::thread::spawn(|| {
///     while let Ok(Msg::Pow(x, n, reply)) = WORKER.recv_blocking() {
///         let _ = reply.send(x.pow(n));
///     }
/// });
/// let (reply, promise) = reply::pair();
/// WORKER.addr().send_blocking(Msg::Pow(2, 3, reply)).unwrap();
/// WORKER.addr().close();
/// assert_eq!(promise.get_blocking(), Ok(8));
/// t.join().unwrap();
/// ```
#[cfg(feature = "alloc")]
pub fn pair<R, T>() -> (Reply<'static, R, T>, Promise<'static, R, T>)
where
    R: ScopedRawMutex + mutex_traits::ConstInit,
{
    let slot = Arc::new(Oneshot::new());
    (
        Reply {
            slot: Slot::Shared(slot.clone()),
        },
        Promise {
            slot: Slot::Shared(slot),
        },
    )
}
