//! What the three MPMC queues share: the waiting sends and receives, the
//! blocking and timed forms and `join`, written once over a [`Channel`] (tokio's
//! one `Chan<T, S>` serving its bounded and unbounded channels is the model).
//!
//! A queue implements [`Channel`] with what differs between them (its `try_*`
//! operations, and how a waiter announces itself and re-checks the state), and its
//! public methods call the free functions here. The waits themselves are
//! [`wait_until`]: every wait of a queue is the register/retry loop of the
//! [`wait`](crate::wait) module, and every blocking form is its async form driven
//! by [`block_on`](crate::wait::block_on) after a short spin.

use mutex_traits::{ConstInit, ScopedRawMutex};

use crate::error::{unless_empty, RecvError, SendError, TryRecvError, TrySendError};
#[cfg(feature = "std")]
use crate::error::{RecvTimeoutError, SendTimeoutError};
use crate::wait::backoff::spin_for;
use crate::wait::{wait_until, WaitList};

/// The three wait lists of a queue.
pub(crate) struct WaitLists<R> {
    /// Senders waiting for room.
    pub(crate) senders: WaitList<R>,
    /// Receivers waiting for an item.
    pub(crate) receivers: WaitList<R>,
    /// Joiners waiting for every item to be marked done.
    pub(crate) joiners: WaitList<R>,
}

impl<R: ScopedRawMutex + ConstInit> WaitLists<R> {
    loom_const_fn! {
        pub(crate) fn new() -> Self {
            Self {
                senders: WaitList::new(),
                receivers: WaitList::new(),
                joiners: WaitList::new(),
            }
        }
    }
}

/// A queue's own operations, from which [`send`], [`recv`], [`join`] and their
/// blocking and timed forms are built.
pub(crate) trait Channel {
    /// The raw exclusion of the wait lists.
    type Raw: ScopedRawMutex;
    /// What one send carries (for a priority queue, the `(priority, item)` pair).
    type Item;

    /// Sends without waiting; the value comes back on failure.
    fn try_send(&self, item: Self::Item) -> Result<(), TrySendError<Self::Item>>;
    /// Receives without waiting.
    fn try_recv(&self) -> Result<Self::Item, TryRecvError>;

    /// The queue's waiting senders, receivers and joiners.
    fn lists(&self) -> &WaitLists<Self::Raw>;

    /// Runs under the senders' list lock: announces a waiting sender and says
    /// whether to retry now (there may be room, or the queue is closed).
    fn announce_sender(&self) -> bool;
    /// Runs under the receivers' list lock: announces a waiting receiver and says
    /// whether to retry now (there may be an item, or the queue is closed).
    fn announce_receiver(&self) -> bool;
    /// Runs under the joiners' list lock: announces a joiner and says whether every
    /// item sent is marked done.
    fn announce_joiner(&self) -> bool;
    /// Whether every item sent is marked done (a snapshot).
    fn all_done(&self) -> bool;
}

/// One attempt to send the value in `slot`: `None` if there is no room (the value
/// is back in `slot`), `Some(Ok)` once it is sent (or `slot` was empty), and
/// `Some(Err)` if the queue is closed (the value is back in `slot`).
fn offer<C: Channel + ?Sized>(c: &C, slot: &mut Option<C::Item>) -> Option<Result<(), ()>> {
    let item = slot.take()?;
    match c.try_send(item) {
        Ok(()) => Some(Ok(())),
        Err(TrySendError::Full(item)) => {
            *slot = Some(item);
            None
        }
        Err(TrySendError::Closed(item)) => {
            *slot = Some(item);
            Some(Err(()))
        }
    }
}

/// Waits for room and sends the value in `slot`; leaves it there if the queue is
/// closed or the future is dropped, so the callers can give it back. The caller
/// has tried once already.
async fn send_from<C: Channel + ?Sized>(c: &C, slot: &mut Option<C::Item>) -> Result<(), ()> {
    wait_until(
        &c.lists().senders,
        || c.announce_sender(),
        || offer(c, slot),
    )
    .await
}

/// The outcome of a send that is over: closed if the value is still in `slot`.
fn sent<T>(slot: Option<T>) -> Result<(), SendError<T>> {
    slot.map_or(Ok(()), |item| Err(SendError(item)))
}

/// The fast path of every send: one attempt with the item by value (no slot to
/// move it through). `Ok(outcome)` if that settled the send, `Err(item)` if the
/// queue is full and the caller must wait.
#[inline(always)]
fn send_now<C: Channel + ?Sized>(
    c: &C,
    item: C::Item,
) -> Result<Result<(), SendError<C::Item>>, C::Item> {
    match c.try_send(item) {
        Ok(()) => Ok(Ok(())),
        Err(TrySendError::Closed(item)) => Ok(Err(SendError(item))),
        Err(TrySendError::Full(item)) => Err(item),
    }
}

/// Sends `item`, waiting asynchronously for room.
///
/// The wait is written out here rather than called as [`send_from`]: each nested
/// `async fn` is a state machine of its own, with a state byte to set and to
/// dispatch on and a copy of the queue reference, and the one-item hand-off of a
/// single-context queue pays for every level on each full/empty turn.
#[inline]
pub(crate) async fn send<C: Channel + ?Sized>(
    c: &C,
    item: C::Item,
) -> Result<(), SendError<C::Item>> {
    // `send_now`'s match, written out: the nested `Result` costs a few moves here.
    match c.try_send(item) {
        Ok(()) => Ok(()),
        Err(TrySendError::Closed(item)) => Err(SendError(item)),
        Err(TrySendError::Full(item)) => {
            let mut slot = Some(item);
            let _ = wait_until(
                &c.lists().senders,
                || c.announce_sender(),
                || offer(c, &mut slot),
            )
            .await;
            sent(slot)
        }
    }
}

/// Sends `item`, spinning briefly and then blocking the thread until there is room.
pub(crate) fn send_blocking<C: Channel + ?Sized>(
    c: &C,
    item: C::Item,
) -> Result<(), SendError<C::Item>> {
    let item = match send_now(c, item) {
        Ok(done) => return done,
        Err(item) => item,
    };
    let mut slot = Some(item);
    if spin_for(|| offer(c, &mut slot)).is_none() {
        let _ = crate::wait::block_on(send_from(c, &mut slot));
    }
    sent(slot)
}

/// Sends `item`, waiting at most `timeout` for room.
#[cfg(feature = "std")]
pub(crate) fn send_timeout<C: Channel + ?Sized>(
    c: &C,
    item: C::Item,
    timeout: core::time::Duration,
) -> Result<(), SendTimeoutError<C::Item>> {
    let item = match send_now(c, item) {
        Ok(Ok(())) => return Ok(()),
        Ok(Err(SendError(item))) => return Err(SendTimeoutError::Closed(item)),
        Err(item) => item,
    };
    let mut slot = Some(item);
    let outcome = crate::wait::block_on_timeout(send_from(c, &mut slot), timeout);
    match (outcome, slot) {
        (_, None) => Ok(()),
        (Some(_), Some(item)) => Err(SendTimeoutError::Closed(item)),
        (None, Some(item)) => Err(SendTimeoutError::TimedOut(item)),
    }
}

/// Receives, waiting asynchronously for an item (the wait written out, as in
/// [`send`]).
#[inline]
pub(crate) async fn recv<C: Channel + ?Sized>(c: &C) -> Result<C::Item, RecvError> {
    match c.try_recv() {
        Ok(item) => Ok(item),
        Err(TryRecvError::Closed) => Err(RecvError),
        Err(TryRecvError::Empty) => {
            wait_until(
                &c.lists().receivers,
                || c.announce_receiver(),
                || unless_empty(c.try_recv()),
            )
            .await
        }
    }
}

/// Receives, spinning briefly and then blocking the thread until an item comes.
pub(crate) fn recv_blocking<C: Channel + ?Sized>(c: &C) -> Result<C::Item, RecvError> {
    match spin_for(|| unless_empty(c.try_recv())) {
        Some(done) => done,
        None => crate::wait::block_on(recv(c)),
    }
}

/// Receives, waiting at most `timeout` for an item.
#[cfg(feature = "std")]
pub(crate) fn recv_timeout<C: Channel + ?Sized>(
    c: &C,
    timeout: core::time::Duration,
) -> Result<C::Item, RecvTimeoutError> {
    match crate::wait::block_on_timeout(recv(c), timeout) {
        Some(got) => got.map_err(RecvTimeoutError::from),
        None => Err(RecvTimeoutError::TimedOut),
    }
}

/// Waits until every item sent has been marked done.
pub(crate) async fn join<C: Channel + ?Sized>(c: &C) {
    if c.all_done() {
        return;
    }
    wait_until(
        &c.lists().joiners,
        || c.announce_joiner(),
        || c.all_done().then_some(()),
    )
    .await
}

/// [`join`] for at most `timeout`.
#[cfg(feature = "std")]
pub(crate) fn join_timeout<C: Channel + ?Sized>(
    c: &C,
    timeout: core::time::Duration,
) -> Result<(), crate::sync::WaitTimeoutError> {
    crate::wait::block_on_timeout(join(c), timeout).ok_or(crate::sync::WaitTimeoutError::TimedOut)
}
