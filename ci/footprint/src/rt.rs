//! The runtime every footprint program shares (and the baseline program is made of
//! alone, so that it can be subtracted): the board's entry function, the panic
//! handler, an empty timer interrupt handler, and the two tiny executors the programs
//! drive their futures with, the same for spindle and for its peers.

use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};

use crate::board;

/// The board's entry point: runs the program, prints its result (so that the work
/// cannot be optimised away) and exits.
#[no_mangle]
fn entry() -> ! {
    board::write_u32(crate::program(core::hint::black_box(4)));
    board::write_all(b"\n");
    board::exit(0)
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    board::exit(101)
}

/// The board's timer interrupt vector: unused by these programs.
#[no_mangle]
fn timer_isr() {}

/// Polls `fut` to completion with a no-op waker (what `block_on_with` and
/// `embassy_futures::block_on` do).
#[allow(dead_code)]
pub fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

/// Runs two futures to completion, polling them in turn.
#[allow(dead_code)]
pub fn join<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    let (mut a, mut b) = (pin!(a), pin!(b));
    let (mut ra, mut rb) = (None, None);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if ra.is_none() {
            if let Poll::Ready(v) = a.as_mut().poll(&mut cx) {
                ra = Some(v);
            }
        }
        if rb.is_none() {
            if let Poll::Ready(v) = b.as_mut().poll(&mut cx) {
                rb = Some(v);
            }
        }
        match (ra, rb) {
            (Some(a), Some(b)) => return (a, b),
            (a, b) => (ra, rb) = (a, b),
        }
    }
}
