//! [`Addr`]: the sending side of an actor's mailbox.

use core::fmt;

#[cfg(feature = "alloc")]
use mutex_traits::ConstInit;
use mutex_traits::ScopedRawMutex;

use super::error::AskError;
use super::reply::{Promise, Reply};
use crate::error::{SendError, TrySendError};
use crate::queue::{QueueRef, QueueStore};
use crate::sync::Oneshot;

/// An actor's address: a copyable handle to its mailbox that can send messages
/// and close it, nothing else. Python's `actor.send(msg)` and `actor.close()`.
///
/// Sending waits the three usual ways: [`try_send`](Self::try_send) never waits
/// (a full mailbox gives the message back), [`send`](Self::send) awaits room,
/// [`send_blocking`](Self::send_blocking) blocks the thread. Every failure hands
/// the message back.
///
/// ```
/// use spindle_core::actor::{Addr, Mailbox};
/// use spindle_core::error::TrySendError;
/// use spindle_core::raw::NoopRawMutex;
///
/// let mailbox: Mailbox<NoopRawMutex, u32, 1> = Mailbox::new();
/// let addr: Addr<'_, NoopRawMutex, u32> = mailbox.addr();
/// let copy = addr; // `Copy`: hand it to as many senders as you like
/// addr.try_send(1).unwrap();
/// assert_eq!(copy.try_send(2), Err(TrySendError::Full(2)));
/// assert_eq!(mailbox.try_recv(), Ok(1));
/// ```
pub struct Addr<'a, R: QueueStore, M> {
    mailbox: &'a QueueRef<R, M>,
}

impl<R: QueueStore, M> Clone for Addr<'_, R, M> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R: QueueStore, M> Copy for Addr<'_, R, M> {}

impl<'a, R: QueueStore, M> Addr<'a, R, M> {
    /// The address of the actor whose mailbox is the queue `mailbox` (any
    /// [`Queue`](crate::queue::Queue) dereferences to a `QueueRef`).
    ///
    /// ```
    /// use spindle_core::actor::Addr;
    /// use spindle_core::queue::Queue;
    /// use spindle_core::raw::NoopRawMutex;
    ///
    /// let q: Queue<NoopRawMutex, u8, 2> = Queue::new();
    /// Addr::new(&q).try_send(7).unwrap();
    /// assert_eq!(q.try_recv(), Ok(7));
    /// ```
    pub fn new(mailbox: &'a QueueRef<R, M>) -> Self {
        Self { mailbox }
    }

    /// Sends `msg` if the mailbox has room now, without waiting. On failure the
    /// message comes back: [`TrySendError::Full`] or [`TrySendError::Closed`].
    ///
    /// ```
    /// use spindle_core::actor::Mailbox;
    /// use spindle_core::error::TrySendError;
    /// use spindle_core::raw::NoopRawMutex;
    ///
    /// let mailbox: Mailbox<NoopRawMutex, &str, 2> = Mailbox::new();
    /// let addr = mailbox.addr();
    /// addr.close();
    /// assert_eq!(addr.try_send("late"), Err(TrySendError::Closed("late")));
    /// ```
    pub fn try_send(&self, msg: M) -> Result<(), TrySendError<M>> {
        self.mailbox.try_send(msg)
    }

    /// Sends `msg`, waiting asynchronously while the mailbox is full. Fails only if
    /// the actor is closed, giving the message back.
    ///
    /// ```
    /// use spindle_core::actor::Mailbox;
    /// use spindle_core::raw::NoopRawMutex;
    /// use spindle_core::wait::block_on;
    ///
    /// let mailbox: Mailbox<NoopRawMutex, u32, 2> = Mailbox::new();
    /// block_on(mailbox.addr().send(5)).unwrap();
    /// assert_eq!(mailbox.try_recv(), Ok(5));
    /// ```
    pub async fn send(&self, msg: M) -> Result<(), SendError<M>> {
        self.mailbox.send(msg).await
    }

    /// Sends `msg`, blocking the thread while the mailbox is full (Python's
    /// `actor.send(msg)`). Fails only if the actor is closed, giving the message
    /// back.
    ///
    /// ```
    /// use spindle_core::actor::Mailbox;
    /// use spindle_core::raw::ParkingRawMutex;
    ///
    /// static INBOX: Mailbox<ParkingRawMutex, u32, 1> = Mailbox::new();
    /// let actor = std::thread::spawn(|| INBOX.run_blocking((0u32, |sum: &mut u32, n| *sum += n)).0);
    /// for n in 1..=10 {
    ///     INBOX.addr().send_blocking(n).unwrap(); // waits while the actor is busy
    /// }
    /// INBOX.addr().close();
    /// assert_eq!(actor.join().unwrap(), 55);
    /// ```
    pub fn send_blocking(&self, msg: M) -> Result<(), SendError<M>> {
        self.mailbox.send_blocking(msg)
    }

    /// Closes the mailbox: the book's `ActorExit`. Later sends get their message
    /// back (`Closed`: [`TrySendError::Closed`], [`SendError`]); the actor still
    /// handles every message already
    /// queued, then its receive loop ends. Returns `false` if it was closed
    /// already.
    ///
    /// ```
    /// use spindle_core::actor::Mailbox;
    /// use spindle_core::error::TryRecvError;
    /// use spindle_core::raw::NoopRawMutex;
    ///
    /// let mailbox: Mailbox<NoopRawMutex, u32, 4> = Mailbox::new();
    /// let addr = mailbox.addr();
    /// addr.try_send(1).unwrap();
    /// assert!(addr.close());
    /// assert!(!addr.close());
    /// assert_eq!(mailbox.try_recv(), Ok(1)); // queued messages are still handled
    /// assert_eq!(mailbox.try_recv(), Err(TryRecvError::Closed));
    /// ```
    pub fn close(&self) -> bool {
        self.mailbox.close()
    }

    /// Whether the actor's mailbox is closed.
    ///
    /// ```
    /// use spindle_core::actor::Mailbox;
    /// use spindle_core::raw::NoopRawMutex;
    ///
    /// let mailbox: Mailbox<NoopRawMutex, u32, 1> = Mailbox::new();
    /// assert!(!mailbox.addr().is_closed());
    /// mailbox.addr().close();
    /// assert!(mailbox.addr().is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.mailbox.is_closed()
    }

    /// Sends a request without waiting and returns the [`Promise`] of its answer:
    /// the book's `Worker.submit`. `make` builds the message around the [`Reply`]
    /// for `slot`, a fresh [`Oneshot`] the caller owns (no heap).
    ///
    /// Errors: [`AskError::SlotInUse`] if `slot` already served a request (or
    /// another ask holds it), before anything is built or sent: a slot serves one
    /// request until it is [`reset`](Oneshot::reset). [`AskError::Send`] if the
    /// mailbox is full or closed: the message comes back (the reply inside it,
    /// dropped, closes the slot). With `alloc`, `try_ask_owned`
    /// needs no slot at all.
    ///
    /// ```
    /// use spindle_core::actor::{AskError, Mailbox, Reply};
    /// use spindle_core::raw::NoopRawMutex;
    /// use spindle_core::sync::Oneshot;
    ///
    /// enum Msg<'r> {
    ///     Square(u64, Reply<'r, NoopRawMutex, u64>),
    /// }
    ///
    /// let slot = Oneshot::new();
    /// let mailbox: Mailbox<NoopRawMutex, Msg<'_>, 4> = Mailbox::new();
    /// let promise = mailbox.addr().try_ask(&slot, |r| Msg::Square(12, r)).unwrap();
    /// // The actor's side:
    /// let Ok(Msg::Square(x, reply)) = mailbox.try_recv() else { unreachable!() };
    /// reply.send(x * x).unwrap();
    /// assert_eq!(promise.try_get(), Ok(144));
    /// // The slot is spent: a second ask on it is refused, not silently closed.
    /// assert!(matches!(
    ///     mailbox.addr().try_ask(&slot, |r| Msg::Square(3, r)),
    ///     Err(AskError::SlotInUse)
    /// ));
    /// ```
    pub fn try_ask<'s, RS: ScopedRawMutex, T>(
        &self,
        slot: &'s Oneshot<RS, T>,
        make: impl FnOnce(Reply<'s, RS, T>) -> M,
    ) -> Result<Promise<'s, RS, T>, AskError<TrySendError<M>>> {
        if !slot.claim() {
            return Err(AskError::SlotInUse);
        }
        self.try_send(make(Reply::new(slot)))?;
        Ok(Promise::new(slot))
    }

    /// [`try_ask`](Self::try_ask), waiting asynchronously for room in the mailbox.
    /// Await the returned promise's [`get`](Promise::get) for the answer. The same
    /// errors, except that a full mailbox is waited out.
    ///
    /// ```
    /// use spindle_core::actor::{Mailbox, Reply};
    /// use spindle_core::raw::NoopRawMutex;
    /// use spindle_core::sync::Oneshot;
    /// use spindle_core::wait::block_on;
    ///
    /// let slot = Oneshot::new();
    /// let mailbox: Mailbox<NoopRawMutex, (u32, Reply<'_, NoopRawMutex, u32>), 1> =
    ///     Mailbox::new();
    /// let promise = block_on(mailbox.addr().ask(&slot, |r| (20, r))).unwrap();
    /// let (x, reply) = mailbox.try_recv().unwrap();
    /// reply.send(x + 1).unwrap();
    /// assert_eq!(block_on(promise.get()), Ok(21));
    /// ```
    pub async fn ask<'s, RS: ScopedRawMutex, T>(
        &self,
        slot: &'s Oneshot<RS, T>,
        make: impl FnOnce(Reply<'s, RS, T>) -> M,
    ) -> Result<Promise<'s, RS, T>, AskError<SendError<M>>> {
        if !slot.claim() {
            return Err(AskError::SlotInUse);
        }
        self.send(make(Reply::new(slot))).await?;
        Ok(Promise::new(slot))
    }

    /// [`try_ask`](Self::try_ask), blocking the thread while the mailbox is full.
    /// Block on the answer with [`Promise::get_blocking`].
    ///
    /// A `static` slot serves one request (it cannot be [`reset`](Oneshot::reset)
    /// while shared); asking again on it is refused with [`AskError::SlotInUse`].
    /// For repeated requests to an actor on a thread, use
    /// `ask_owned_blocking` (`alloc`).
    ///
    /// ```
    /// use spindle_core::actor::{AskError, Mailbox, Reply};
    /// use spindle_core::raw::ParkingRawMutex;
    /// use spindle_core::sync::Oneshot;
    ///
    /// type Job = (fn(u64, u32) -> u64, u64, u32, Reply<'static, ParkingRawMutex, u64>);
    /// static WORKER: Mailbox<ParkingRawMutex, Job, 2> = Mailbox::new();
    /// static RESULT: Oneshot<ParkingRawMutex, u64> = Oneshot::new();
    ///
    /// let worker = std::thread::spawn(|| {
    ///     while let Ok((func, x, n, reply)) = WORKER.recv_blocking() {
    ///         let _ = reply.send(func(x, n));
    ///     }
    /// });
    /// let r = WORKER.addr().ask_blocking(&RESULT, |r| (u64::pow, 2, 3, r)).unwrap();
    /// assert_eq!(r.get_blocking(), Ok(8));
    /// let again = WORKER.addr().ask_blocking(&RESULT, |r| (u64::pow, 3, 2, r));
    /// assert!(matches!(again, Err(AskError::SlotInUse)));
    /// WORKER.addr().close();
    /// worker.join().unwrap();
    /// ```
    pub fn ask_blocking<'s, RS: ScopedRawMutex, T>(
        &self,
        slot: &'s Oneshot<RS, T>,
        make: impl FnOnce(Reply<'s, RS, T>) -> M,
    ) -> Result<Promise<'s, RS, T>, AskError<SendError<M>>> {
        if !slot.claim() {
            return Err(AskError::SlotInUse);
        }
        self.send_blocking(make(Reply::new(slot)))?;
        Ok(Promise::new(slot))
    }

    /// Sends a request without waiting, with a fresh reply slot on the heap
    /// ([`reply::pair`](super::reply::pair)): nothing to declare, nothing to reuse,
    /// and the message is `'static`, as an actor on another thread or a boxed task
    /// needs. A full or closed mailbox gives the message back.
    ///
    /// ```
    /// use spindle_core::actor::{Mailbox, Reply};
    /// use spindle_core::raw::NoopRawMutex;
    ///
    /// let mailbox: Mailbox<NoopRawMutex, (u8, Reply<'static, NoopRawMutex, u8>), 2> =
    ///     Mailbox::new();
    /// let promise = mailbox.addr().try_ask_owned(|r| (4, r)).unwrap();
    /// let (x, reply) = mailbox.try_recv().unwrap();
    /// reply.send(x * 2).unwrap();
    /// assert_eq!(promise.try_get(), Ok(8));
    /// ```
    #[cfg(feature = "alloc")]
    pub fn try_ask_owned<RS: ScopedRawMutex + ConstInit, T>(
        &self,
        make: impl FnOnce(Reply<'static, RS, T>) -> M,
    ) -> Result<Promise<'static, RS, T>, TrySendError<M>> {
        let (reply, promise) = super::reply::pair();
        self.try_send(make(reply))?;
        Ok(promise)
    }

    /// [`try_ask_owned`](Self::try_ask_owned), waiting asynchronously for room.
    ///
    /// ```
    /// use spindle_core::actor::{Mailbox, Reply};
    /// use spindle_core::raw::NoopRawMutex;
    /// use spindle_core::wait::block_on;
    ///
    /// let mailbox: Mailbox<NoopRawMutex, Reply<'static, NoopRawMutex, &str>, 1> =
    ///     Mailbox::new();
    /// let promise = block_on(mailbox.addr().ask_owned(|r| r)).unwrap();
    /// mailbox.try_recv().unwrap().send("pong").unwrap();
    /// assert_eq!(block_on(promise.get()), Ok("pong"));
    /// ```
    #[cfg(feature = "alloc")]
    pub async fn ask_owned<RS: ScopedRawMutex + ConstInit + 'static, T: 'static>(
        &self,
        make: impl FnOnce(Reply<'static, RS, T>) -> M,
    ) -> Result<Promise<'static, RS, T>, SendError<M>> {
        let (reply, promise) = super::reply::pair();
        self.send(make(reply)).await?;
        Ok(promise)
    }

    /// [`try_ask_owned`](Self::try_ask_owned), blocking the thread while the
    /// mailbox is full: request/response to an actor on a thread, as often as you
    /// like.
    ///
    /// ```
    /// use spindle_core::actor::{Mailbox, Reply};
    /// use spindle_core::raw::ParkingRawMutex;
    ///
    /// type Job = (u64, u32, Reply<'static, ParkingRawMutex, u64>);
    /// static WORKER: Mailbox<ParkingRawMutex, Job, 2> = Mailbox::new();
    ///
    /// let worker = std::thread::spawn(|| {
    ///     while let Ok((x, n, reply)) = WORKER.recv_blocking() {
    ///         let _ = reply.send(x.pow(n));
    ///     }
    /// });
    /// for n in 1..=3 {
    ///     let r = WORKER.addr().ask_owned_blocking(|r| (2, n, r)).unwrap();
    ///     assert_eq!(r.get_blocking(), Ok(2u64.pow(n)));
    /// }
    /// WORKER.addr().close();
    /// worker.join().unwrap();
    /// ```
    #[cfg(feature = "alloc")]
    pub fn ask_owned_blocking<RS: ScopedRawMutex + ConstInit, T>(
        &self,
        make: impl FnOnce(Reply<'static, RS, T>) -> M,
    ) -> Result<Promise<'static, RS, T>, SendError<M>> {
        let (reply, promise) = super::reply::pair();
        self.send_blocking(make(reply))?;
        Ok(promise)
    }
}

impl<R: QueueStore, M> fmt::Debug for Addr<'_, R, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Addr")
            .field("mailbox", &self.mailbox)
            .finish()
    }
}
