//! Test helpers: polling by hand with a waker that counts its wake-ups.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

pub use spindle_core::raw::{ParkingRawMutex as P, SpinRawMutex as S};

/// A waker that counts how often it was woken.
#[derive(Default)]
pub struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

pub struct Probe {
    pub count: Arc<CountingWaker>,
    waker: Waker,
}

impl Probe {
    pub fn new() -> Self {
        let count = Arc::new(CountingWaker::default());
        let waker = Waker::from(count.clone());
        Self { count, waker }
    }

    pub fn wakes(&self) -> usize {
        self.count.0.load(Ordering::SeqCst)
    }

    pub fn poll<F: Future + ?Sized>(&self, fut: Pin<&mut F>) -> Poll<F::Output> {
        fut.poll(&mut Context::from_waker(&self.waker))
    }
}
