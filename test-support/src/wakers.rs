//! Wakers for polling futures by hand.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Wake, Waker};

/// A waker that counts how often it was woken: a test polls a future with it, then
/// checks that whatever should have woken the future did so (and only as often as
/// it should).
///
/// ```
/// use spindle_test_support::CountingWaker;
/// let (count, waker) = CountingWaker::new();
/// waker.wake_by_ref();
/// waker.wake();
/// assert_eq!(count.wakes(), 2);
/// ```
#[derive(Debug, Default)]
pub struct CountingWaker(AtomicUsize);

impl CountingWaker {
    /// A fresh counter and a waker that counts into it.
    pub fn new() -> (Arc<Self>, Waker) {
        let count = Arc::new(Self::default());
        let waker = Waker::from(count.clone());
        (count, waker)
    }

    /// The wake-ups so far.
    pub fn wakes(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}
