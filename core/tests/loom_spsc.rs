//! Loom models of the split SPSC ring (`spindle_core::queue::spsc`): a producer and
//! a consumer thread pass 3 or 4 items through a 2-slot ring (so the indices wrap and the
//! full and empty paths both run), in order; and the close-drain protocol in both
//! directions. A slot read before it was written (or overwritten before it was read)
//! shows up as a loom causality error; a lost item as a failed assertion. The halves
//! cache each other's index (re-read only when the ring looks full or empty), so the
//! models also run a stale cached index against batches that move the other index
//! several slots at once.
//!
//! Run with `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test -p
//! spindle-core --features std --release --test loom_spsc`.
#![cfg(loom)]

use loom::thread;
use spindle_core::error::{TryRecvError, TrySendError};
use spindle_core::queue::spsc::{Consumer, Producer, Ring};
use spindle_test_support::loom_model::model_with_bound;

/// Runs `producer` on a second loom thread and `consumer` on this one, over a fresh
/// `Ring<T, N>`, then drops the ring (and any items left in it).
fn run<T: Send + 'static, const N: usize>(
    producer: impl FnOnce(Producer<'static, T, N>) + Send + 'static,
    consumer: impl FnOnce(Consumer<'static, T, N>),
) {
    let raw: *mut Ring<T, N> = Box::into_raw(Box::new(Ring::new()));
    {
        // SAFETY: `raw` is a live allocation, freed below only after both halves are
        // gone (the producer's thread is joined, the consumer dropped).
        let ring: &'static mut Ring<T, N> = unsafe { &mut *raw };
        let (tx, rx) = ring.split();
        let t = thread::spawn(move || producer(tx));
        consumer(rx);
        t.join().unwrap();
    }
    // SAFETY: from `Box::into_raw` above; no reference to the ring is left.
    drop(unsafe { Box::from_raw(raw) });
}

/// Pushes `v`, yielding to the model while the ring is full.
fn push<T, const N: usize>(tx: &mut Producer<'_, T, N>, mut v: T) -> Result<(), TrySendError<T>> {
    loop {
        match tx.try_push(v) {
            Err(TrySendError::Full(back)) => {
                v = back;
                thread::yield_now();
            }
            other => return other,
        }
    }
}

/// Pops, yielding to the model while the ring is empty.
fn pop<T, const N: usize>(rx: &mut Consumer<'_, T, N>) -> Result<T, TryRecvError> {
    loop {
        match rx.try_pop() {
            Err(TryRecvError::Empty) => thread::yield_now(),
            other => return other,
        }
    }
}

/// Pops `0..n` in batches of up to 2 with `pop_slice`, yielding to the model while
/// the ring is empty, and checks that they come in order.
fn pop_batches_in_order<const N: usize>(rx: &mut Consumer<'_, u32, N>, n: u32) {
    let mut next = 0;
    let mut buf = [0; 2];
    while next < n {
        let got = rx.pop_slice(&mut buf);
        if got == 0 {
            thread::yield_now();
        }
        for &v in &buf[..got] {
            assert_eq!(v, next);
            next += 1;
        }
    }
}

#[test]
fn three_items_through_two_slots_in_order() {
    model_with_bound(3, || {
        run::<Box<u32>, 2>(
            |mut tx| {
                for i in 0..3 {
                    push(&mut tx, Box::new(i)).unwrap();
                }
            },
            |mut rx| {
                for i in 0..3 {
                    assert_eq!(pop(&mut rx).map(|b| *b), Ok(i));
                }
            },
        );
    });
}

#[test]
fn batches_through_two_slots_in_order() {
    model_with_bound(3, || {
        run::<u32, 2>(
            |mut tx| {
                let items = [0, 1, 2];
                let mut off = 0;
                while off < items.len() {
                    let n = tx.push_slice(&items[off..]);
                    if n == 0 {
                        thread::yield_now();
                    }
                    off += n;
                }
            },
            |mut rx| pop_batches_in_order(&mut rx, 3),
        );
    });
}

#[test]
fn single_pushes_and_batch_pops_in_order() {
    // The producer's cached limit goes stale by more than one slot at a time (a
    // batch pop frees both slots with one `head` store), and a push that finds the
    // ring looking full must re-read `head` and then write into the freed slots only.
    model_with_bound(3, || {
        run::<u32, 2>(
            |mut tx| {
                for i in 0..4 {
                    push(&mut tx, i).unwrap();
                }
            },
            |mut rx| pop_batches_in_order(&mut rx, 4),
        );
    });
}

#[test]
fn close_drains_every_pushed_item() {
    // The producer pushes what fits and drops its half; the consumer must see every
    // pushed item, in order, and then `Closed` (never `Closed` early).
    model_with_bound(3, || {
        let pushed = loom::sync::Arc::new(loom::sync::atomic::AtomicUsize::new(0));
        let count = pushed.clone();
        run::<Box<u32>, 2>(
            move |mut tx| {
                let mut n = 0;
                for i in 0..3 {
                    if tx.try_push(Box::new(i)).is_ok() {
                        n += 1;
                    }
                }
                count.store(n, loom::sync::atomic::Ordering::Relaxed);
                // `tx` dropped here: closed.
            },
            |mut rx| {
                let mut got = Vec::new();
                loop {
                    match pop(&mut rx) {
                        Ok(v) => got.push(*v),
                        Err(TryRecvError::Closed) => break,
                        Err(e) => panic!("{e}"),
                    }
                }
                // Items are pushed in order, and a failed push (full) skips a
                // number, so what arrives is increasing.
                assert!(got.windows(2).all(|w| w[0] < w[1]), "{got:?}");
                // The consumer has seen the close, so all pushes are done.
                let n = pushed.load(loom::sync::atomic::Ordering::Relaxed);
                assert_eq!(got.len(), n, "{got:?}");
            },
        );
    });
}

#[test]
fn consumer_drop_closes_and_leftovers_are_dropped() {
    // The consumer takes one item and leaves; the producer sees `Closed` (with its
    // value back) from then on; items left in the ring are dropped with it (a leak
    // would show up in loom's leak check of its `Arc`s).
    model_with_bound(3, || {
        run::<loom::sync::Arc<u32>, 2>(
            |mut tx| {
                let mut closed = false;
                for i in 0..3 {
                    match push(&mut tx, loom::sync::Arc::new(i)) {
                        Ok(()) => assert!(!closed, "a push succeeded after Closed"),
                        Err(TrySendError::Closed(v)) => {
                            assert_eq!(*v, i);
                            closed = true;
                        }
                        Err(e) => panic!("{e}"),
                    }
                }
            },
            |mut rx| {
                assert_eq!(pop(&mut rx).map(|v| *v), Ok(0));
                // `rx` dropped here.
            },
        );
    });
}
