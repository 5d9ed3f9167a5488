//! Bounded polling: drive a future a few times, then give up on it (and so cancel
//! it by dropping it), the way a timeout or `select!` does.

use core::future::{poll_fn, Future};
use core::pin::pin;
use core::task::Poll;

/// Polls `fut` at most `polls` times (each after a wake-up, or a spurious one), then
/// drops it: `Some(output)` if it completed, `None` if it did not.
///
/// Works under any executor, loom's `block_on` included: the models use it to
/// cancel a waiter at every point of a protocol.
///
/// ```
/// # use spindle_test_support::poll_at_most;
/// let never = std::future::pending::<()>();
/// let ready = std::future::ready(7);
/// let noop = std::task::Waker::noop();
/// let mut cx = std::task::Context::from_waker(noop);
/// let mut gave_up = std::pin::pin!(poll_at_most(never, 1));
/// assert_eq!(gave_up.as_mut().poll(&mut cx), std::task::Poll::Ready(None));
/// let mut done = std::pin::pin!(poll_at_most(ready, 1));
/// assert_eq!(done.as_mut().poll(&mut cx), std::task::Poll::Ready(Some(7)));
/// # use std::future::Future;
/// ```
pub async fn poll_at_most<F: Future>(fut: F, polls: usize) -> Option<F::Output> {
    let mut fut = pin!(fut);
    let mut n = 0;
    poll_fn(move |cx| {
        n += 1;
        match fut.as_mut().poll(cx) {
            Poll::Ready(v) => Poll::Ready(Some(v)),
            Poll::Pending if n >= polls => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    })
    .await
}
