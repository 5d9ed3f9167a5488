//! Loom models of the intrusive wait list (`spindle_core::wait::WaitList`).
//!
//! Run with `ci/loom.sh` (`RUSTFLAGS="--cfg loom"`). A lost wake-up shows up as a
//! loom deadlock: every thread blocked in `block_on` with nobody left to wake it.
#![cfg(loom)]

use core::future::poll_fn;
use core::pin::pin;
use core::task::Poll;

use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use loom::sync::Arc;
use loom::thread;
use spindle_core::raw::LoomRawMutex;
use spindle_core::wait::WaitList;
use spindle_test_support::loom_model::model;
use spindle_test_support::poll_at_most;

type List = WaitList<LoomRawMutex>;

/// Waits on `list` until `flag` is set, checking it under the list lock (the
/// protocol every primitive follows).
async fn wait_for(list: &List, flag: &AtomicBool) {
    let mut waiter = pin!(list.waiter());
    poll_fn(|cx| loop {
        // Fast path outside the lock; relaxed on purpose: the list lock must supply
        // the ordering for the check inside `poll_wait`.
        if flag.load(Relaxed) {
            return Poll::Ready(());
        }
        if waiter
            .as_mut()
            .poll_wait(cx, || flag.load(Relaxed))
            .is_pending()
        {
            return Poll::Pending;
        }
    })
    .await
}

/// A waiter registers while another thread sets the condition and `wake_one`s:
/// the waiter always finishes.
#[test]
fn wake_one_vs_register() {
    model(|| {
        let list = Arc::new(List::new());
        let flag = Arc::new(AtomicBool::new(false));
        let t = {
            let (list, flag) = (list.clone(), flag.clone());
            thread::spawn(move || {
                flag.store(true, Relaxed);
                list.wake_one();
            })
        };
        loom::future::block_on(wait_for(&list, &flag));
        t.join().unwrap();
        assert!(list.is_empty());
    });
}

/// Two waiters register while a third thread sets the condition and `wake_all`s:
/// both finish.
#[test]
fn wake_all_vs_register() {
    model(|| {
        let list = Arc::new(List::new());
        let flag = Arc::new(AtomicBool::new(false));
        let waker = {
            let (list, flag) = (list.clone(), flag.clone());
            thread::spawn(move || {
                flag.store(true, Relaxed);
                list.wake_all();
            })
        };
        let other = {
            let (list, flag) = (list.clone(), flag.clone());
            thread::spawn(move || loom::future::block_on(wait_for(&list, &flag)))
        };
        loom::future::block_on(wait_for(&list, &flag));
        waker.join().unwrap();
        other.join().unwrap();
        assert!(list.is_empty());
    });
}

/// Two waiters, one `wake_one`. One waiter's future is polled once and then dropped
/// at any point (before, during or after the wake-up): if it held the hand-off, the
/// drop passes it to the other waiter, which must finish.
#[test]
fn dropped_waiter_passes_hand_off() {
    model(|| {
        let list = Arc::new(List::new());
        let flag = Arc::new(AtomicBool::new(false));
        let quitter = {
            let (list, flag) = (list.clone(), flag.clone());
            thread::spawn(move || {
                loom::future::block_on(poll_at_most(wait_for(&list, &flag), 1));
            })
        };
        let waker = {
            let (list, flag) = (list.clone(), flag.clone());
            thread::spawn(move || {
                flag.store(true, Relaxed);
                list.wake_one();
            })
        };
        loom::future::block_on(wait_for(&list, &flag));
        quitter.join().unwrap();
        waker.join().unwrap();
        assert!(list.is_empty());
    });
}

/// `cancel` reports an unconsumed hand-off exactly when `wake_one` picked this
/// waiter, and a consumed or cancelled waiter leaves the list.
#[test]
fn cancel_reports_hand_off() {
    model(|| {
        let list = Arc::new(List::new());
        let woke = Arc::new(AtomicUsize::new(0));
        let t = {
            let (list, woke) = (list.clone(), woke.clone());
            thread::spawn(move || {
                if list.wake_one() {
                    woke.fetch_add(1, Relaxed);
                }
            })
        };
        let had = loom::future::block_on(async {
            let mut waiter = pin!(list.waiter());
            // Queue (the condition is never true), then leave.
            let _ = poll_fn(|cx| Poll::Ready(waiter.as_mut().poll_wait(cx, || false))).await;
            waiter.as_mut().cancel()
        });
        t.join().unwrap();
        // The waker woke us iff it found us queued; then we held the hand-off.
        assert_eq!(had, woke.load(Relaxed) == 1);
        assert!(list.is_empty());
    });
}
