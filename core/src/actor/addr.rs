//! [`Addr`]: the sending side of an actor's mailbox.

use core::fmt;

use mutex_traits::ScopedRawMutex;

use super::reply::{Promise, Reply};
use crate::error::{SendError, TrySendError};
use crate::queue::QueueRef;
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
pub struct Addr<'a, R, M> {
    mailbox: &'a QueueRef<R, M>,
}

impl<R, M> Clone for Addr<'_, R, M> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R, M> Copy for Addr<'_, R, M> {}

impl<'a, R: ScopedRawMutex, M> Addr<'a, R, M> {
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
    /// for `slot`, a fresh [`Oneshot`] the caller owns (no heap). If the mailbox
    /// is full or closed, the message comes back (the reply inside it, dropped,
    /// closes the slot).
    ///
    /// ```
    /// use spindle_core::actor::{Mailbox, Reply};
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
    /// ```
    pub fn try_ask<'s, RS: ScopedRawMutex, T>(
        &self,
        slot: &'s Oneshot<RS, T>,
        make: impl FnOnce(Reply<'s, RS, T>) -> M,
    ) -> Result<Promise<'s, RS, T>, TrySendError<M>> {
        self.try_send(make(Reply::new(slot)))?;
        Ok(Promise::new(slot))
    }

    /// [`try_ask`](Self::try_ask), waiting asynchronously for room in the mailbox.
    /// Await the returned promise's [`get`](Promise::get) for the answer.
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
    ) -> Result<Promise<'s, RS, T>, SendError<M>> {
        self.send(make(Reply::new(slot))).await?;
        Ok(Promise::new(slot))
    }

    /// [`try_ask`](Self::try_ask), blocking the thread while the mailbox is full.
    /// Block on the answer with [`Promise::get_blocking`].
    ///
    /// ```
    /// use spindle_core::actor::{Mailbox, Reply};
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
    /// WORKER.addr().close();
    /// worker.join().unwrap();
    /// assert_eq!(r.get_blocking(), Ok(8));
    /// ```
    pub fn ask_blocking<'s, RS: ScopedRawMutex, T>(
        &self,
        slot: &'s Oneshot<RS, T>,
        make: impl FnOnce(Reply<'s, RS, T>) -> M,
    ) -> Result<Promise<'s, RS, T>, SendError<M>> {
        self.send_blocking(make(Reply::new(slot)))?;
        Ok(Promise::new(slot))
    }
}

impl<R, M> fmt::Debug for Addr<'_, R, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Addr")
            .field("mailbox", &self.mailbox)
            .finish()
    }
}
