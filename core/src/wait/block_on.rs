//! Driving a future to completion on the current thread or core.

use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};

/// What a bare-metal [`block_on_with`] does between polls of a pending future.
///
/// Implement it with your core's wait-for-event instruction (woken by the interrupt
/// that completes the wait) or leave the default [`SpinRelax`].
pub trait Relax {
    /// Called once each time the future returned `Pending`.
    fn relax(&mut self);
}

/// Spins with [`core::hint::spin_loop`] between polls.
#[derive(Debug, Default, Clone, Copy)]
pub struct SpinRelax;

impl Relax for SpinRelax {
    #[inline]
    fn relax(&mut self) {
        crate::loom::spin_hint();
    }
}

impl<F: FnMut()> Relax for F {
    #[inline]
    fn relax(&mut self) {
        self()
    }
}

/// Polls `fut` until it completes, calling `relax` between polls. Needs no OS and no
/// heap: the future is polled with a no-op waker, so each `relax` is followed by a
/// poll. This is how spindle blocks on bare metal.
///
/// ```
/// use spindle_core::raw::SpinRawMutex;
/// use spindle_core::sync::Semaphore;
/// use spindle_core::wait::{block_on_with, SpinRelax};
///
/// let sem: Semaphore<SpinRawMutex> = Semaphore::new(1);
/// let permit = block_on_with(sem.acquire(), SpinRelax);
/// drop(permit);
/// ```
pub fn block_on_with<F: Future>(fut: F, mut relax: impl Relax) -> F::Output {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        relax.relax();
    }
}

/// Polls `fut` to completion, spinning between polls ([`block_on_with`] with
/// [`SpinRelax`]). Without `std` this is how blocking calls wait.
#[cfg(not(feature = "std"))]
pub fn block_on<F: Future>(fut: F) -> F::Output {
    block_on_with(fut, SpinRelax)
}

#[cfg(feature = "std")]
mod parking {
    use super::*;
    use std::sync::Arc;
    use std::task::Wake;
    use std::thread::{self, Thread};
    use std::time::{Duration, Instant};

    struct ThreadWaker(Thread);

    impl Wake for ThreadWaker {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.unpark();
        }
    }

    std::thread_local! {
        // One waker per thread, built once: blocking calls then cost no allocation.
        static WAKER: Waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    }

    fn thread_waker() -> Waker {
        WAKER
            .try_with(Waker::clone)
            .unwrap_or_else(|_| Waker::from(Arc::new(ThreadWaker(thread::current()))))
    }

    /// Runs `fut` to completion on this thread, parking it while the future is
    /// pending. Every blocking call in spindle is its async twin run by this.
    ///
    /// ```
    /// use spindle_core::raw::ParkingRawMutex;
    /// use spindle_core::sync::Event;
    /// use spindle_core::wait::block_on;
    ///
    /// static GO: Event<ParkingRawMutex> = Event::new();
    /// let t = std::thread::spawn(|| GO.set());
    /// block_on(GO.wait());
    /// t.join().unwrap();
    /// ```
    pub fn block_on<F: Future>(fut: F) -> F::Output {
        let mut fut = pin!(fut);
        let waker = thread_waker();
        let mut cx = Context::from_waker(&waker);
        loop {
            if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
                return v;
            }
            thread::park();
        }
    }

    /// Like [`block_on`], but gives up when `timeout` has passed, dropping the future
    /// (which leaves the primitive it waited on consistent) and returning `None`.
    pub fn block_on_timeout<F: Future>(fut: F, timeout: Duration) -> Option<F::Output> {
        match Instant::now().checked_add(timeout) {
            Some(deadline) => block_on_deadline(fut, deadline),
            // A timeout too long to represent is no timeout.
            None => Some(block_on(fut)),
        }
    }

    /// Like [`block_on`], but gives up at `deadline`; see [`block_on_timeout`].
    pub fn block_on_deadline<F: Future>(fut: F, deadline: Instant) -> Option<F::Output> {
        let mut fut = pin!(fut);
        let waker = thread_waker();
        let mut cx = Context::from_waker(&waker);
        loop {
            if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
                return Some(v);
            }
            let now = Instant::now();
            if now >= deadline {
                return None;
            }
            thread::park_timeout(deadline - now);
        }
    }
}

#[cfg(feature = "std")]
pub use parking::{block_on, block_on_deadline, block_on_timeout};
