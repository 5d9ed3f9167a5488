//! The one waiting loop: every queue and sync primitive that waits on a
//! [`WaitList`] waits through [`wait_until`] (after its own fast path failed).
//!
//! The loop is maitake-sync's `wait_for_value` shape: register, retry, register,
//! retry, until the attempt succeeds. What differs between primitives is only the
//! two closures: what to *announce* under the list's lock (set a "waiters" bit and
//! re-read the state in the same atomic operation, saying whether to retry now),
//! and what to *attempt* once woken (take a permit, an item, the lock; or nothing,
//! for a condition that stays true once it is, like an event).

use core::future::poll_fn;
use core::pin::pin;
use core::task::Poll;

use mutex_traits::ScopedRawMutex;

use super::WaitList;

/// Waits on `list` until `attempt` returns `Some`, and returns that value.
///
/// The caller has tried once already (its fast path), so the loop starts by
/// waiting: each round polls a [`Waiter`](super::Waiter) with `announce`, which
/// runs under the list's lock and returns `true` when retrying now may succeed (the
/// waiter is then not queued), and, once woken or told to retry, calls `attempt`.
/// A failed attempt waits again; a waiter that keeps its place in line (locks,
/// semaphores) never retries before it is woken or `announce` says so.
///
/// Dropping the future leaves the list consistent: a hand-off wake-up it received
/// but did not use passes to the next waiter (see [`WaitList`]).
///
/// Blocking forms drive this future with [`block_on`](super::block_on), so the
/// protocol exists once for the async and the blocking waits.
#[inline]
pub(crate) async fn wait_until<R: ScopedRawMutex, U>(
    list: &WaitList<R>,
    mut announce: impl FnMut() -> bool,
    mut attempt: impl FnMut() -> Option<U>,
) -> U {
    let mut waiter = pin!(list.waiter());
    poll_fn(|cx| loop {
        if waiter.as_mut().poll_wait(cx, &mut announce).is_pending() {
            return Poll::Pending;
        }
        if let Some(done) = attempt() {
            return Poll::Ready(done);
        }
    })
    .await
}
