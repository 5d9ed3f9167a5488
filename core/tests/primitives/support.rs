//! Test helpers: polling by hand with a waker that counts its wake-ups.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

pub use spindle_core::raw::{ParkingRawMutex as P, SpinRawMutex as S};
use spindle_test_support::CountingWaker;

/// Polls futures with one [`CountingWaker`].
pub struct Probe {
    count: Arc<CountingWaker>,
    waker: Waker,
}

impl Probe {
    pub fn new() -> Self {
        let (count, waker) = CountingWaker::new();
        Self { count, waker }
    }

    pub fn wakes(&self) -> usize {
        self.count.wakes()
    }

    pub fn poll<F: Future + ?Sized>(&self, fut: Pin<&mut F>) -> Poll<F::Output> {
        fut.poll(&mut Context::from_waker(&self.waker))
    }
}
