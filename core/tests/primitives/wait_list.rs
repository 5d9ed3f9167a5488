use std::future::poll_fn;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};

use spindle_core::wait::{block_on_with, WaitList};

use crate::support::S;

#[test]
fn fifo_wake_one_and_len() {
    let list: WaitList<S> = WaitList::new();
    let mut a = pin!(list.waiter());
    let mut b = pin!(list.waiter());
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    assert!(a.as_mut().poll_wait(&mut cx, || false).is_pending());
    assert!(b.as_mut().poll_wait(&mut cx, || false).is_pending());
    assert_eq!(list.len(), 2);
    assert!(list.wake_one());
    assert_eq!(list.len(), 1);
    assert!(
        a.as_mut().poll_wait(&mut cx, || false).is_ready(),
        "a was first"
    );
    assert!(b.as_mut().poll_wait(&mut cx, || false).is_pending());
    assert_eq!(list.wake_all(), 1);
    assert!(list.is_empty());
    assert!(!list.wake_one());
}

#[test]
fn ready_check_skips_queueing() {
    let list: WaitList<S> = WaitList::new();
    let mut w = pin!(list.waiter());
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    assert!(w.as_mut().poll_wait(&mut cx, || true).is_ready());
    assert!(list.is_empty());
}

#[test]
fn cancel_reports_unconsumed_handoff() {
    let list: WaitList<S> = WaitList::new();
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    let mut w = pin!(list.waiter());
    assert!(w.as_mut().poll_wait(&mut cx, || false).is_pending());
    list.wake_one();
    assert!(w.as_mut().cancel(), "a hand-off was received and not used");
    assert!(!w.as_mut().cancel());
    // A broadcast is not a hand-off.
    assert!(w.as_mut().poll_wait(&mut cx, || false).is_pending());
    list.wake_all();
    assert!(!w.as_mut().cancel());
}

#[test]
fn register_without_waker_then_notified() {
    let list: WaitList<S> = WaitList::new();
    let mut w = pin!(list.waiter());
    w.as_mut().register();
    assert_eq!(list.len(), 1);
    assert_eq!(list.wake_all(), 1);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    assert!(w.as_mut().poll_wait(&mut cx, || false).is_ready());
}

#[test]
fn dropping_a_queued_waiter_unlinks_it() {
    let list: WaitList<S> = WaitList::new();
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    {
        let mut a = pin!(list.waiter());
        let mut b = pin!(list.waiter());
        let mut c = pin!(list.waiter());
        for w in [a.as_mut(), b.as_mut(), c.as_mut()] {
            assert!(w.poll_wait(&mut cx, || false).is_pending());
        }
        assert_eq!(list.len(), 3);
    }
    assert!(list.is_empty());
}

#[test]
fn block_on_with_a_relax_closure() {
    static FLAG: AtomicBool = AtomicBool::new(false);
    let mut spins = 0;
    let list: WaitList<S> = WaitList::new();
    block_on_with(
        async {
            let mut w = pin!(list.waiter());
            poll_fn(|cx| w.as_mut().poll_wait(cx, || FLAG.load(Ordering::SeqCst))).await;
        },
        || {
            spins += 1;
            if spins == 3 {
                FLAG.store(true, Ordering::SeqCst);
                list.wake_all();
            }
        },
    );
    assert_eq!(spins, 3);
}
