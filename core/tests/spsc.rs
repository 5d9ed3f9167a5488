//! Tests of the split SPSC ring (`spindle_core::queue::spsc`): capacity, full/empty
//! errors, wrap-around, batch operations across the wrap point, peek, dropping of
//! leftover items, closing from either side, and two-thread runs.

use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use spindle_core::error::{RecvError, SendError, TryRecvError, TrySendError};
use spindle_core::queue::spsc::{Consumer, Producer, Ring};

#[test]
fn capacity_is_exactly_n() {
    fn check<const N: usize>() {
        let mut ring: Ring<usize, N> = Ring::new();
        assert_eq!(ring.capacity(), N);
        let (mut tx, mut rx) = ring.split();
        assert_eq!(tx.capacity(), N);
        assert_eq!(rx.capacity(), N);
        for i in 0..N {
            assert_eq!(tx.free_len(), N - i);
            tx.try_push(i).unwrap();
            assert_eq!(rx.len(), i + 1);
        }
        assert!(tx.is_full());
        assert_eq!(tx.free_len(), 0);
        assert_eq!(tx.try_push(usize::MAX), Err(TrySendError::Full(usize::MAX)));
        for i in 0..N {
            assert_eq!(rx.try_pop(), Ok(i));
        }
        assert!(rx.is_empty());
    }
    check::<1>();
    check::<2>();
    check::<3>();
    check::<7>();
    check::<8>();
    check::<100>();
}

#[test]
fn full_and_empty_errors_return_the_value() {
    let mut ring: Ring<String, 2> = Ring::new();
    let (mut tx, mut rx) = ring.split();
    assert_eq!(rx.try_pop(), Err(TryRecvError::Empty));
    tx.try_push("a".into()).unwrap();
    tx.try_push("b".into()).unwrap();
    match tx.try_push("c".into()) {
        Err(TrySendError::Full(v)) => assert_eq!(v, "c"),
        other => panic!("expected Full, got {other:?}"),
    }
    assert_eq!(tx.try_push("d".into()).unwrap_err().into_inner(), "d");
    assert_eq!(rx.try_pop().as_deref(), Ok("a"));
    tx.try_push("c".into()).unwrap();
    assert_eq!(rx.try_pop().as_deref(), Ok("b"));
    assert_eq!(rx.try_pop().as_deref(), Ok("c"));
    assert_eq!(rx.try_pop(), Err(TryRecvError::Empty));
}

#[test]
fn wraps_around_many_times() {
    // Odd and power-of-two sizes; several fill levels per lap.
    fn check<const N: usize>() {
        let mut ring: Ring<u64, N> = Ring::new();
        let (mut tx, mut rx) = ring.split();
        let (mut next_in, mut next_out) = (0u64, 0u64);
        for round in 0..(20 * N + 13) {
            let burst = round % N + 1;
            for _ in 0..burst {
                tx.try_push(next_in).unwrap();
                next_in += 1;
            }
            assert_eq!(rx.len(), burst);
            for _ in 0..burst {
                assert_eq!(rx.try_pop(), Ok(next_out));
                next_out += 1;
            }
            assert_eq!(rx.try_pop(), Err(TryRecvError::Empty));
        }
        // Also keep it partly filled while wrapping.
        for _ in 0..(N / 2) {
            tx.try_push(next_in).unwrap();
            next_in += 1;
        }
        for _ in 0..(10 * N) {
            tx.try_push(next_in).unwrap();
            next_in += 1;
            assert_eq!(rx.try_pop(), Ok(next_out));
            next_out += 1;
        }
    }
    check::<1>();
    check::<3>();
    check::<4>();
    check::<5>();
    check::<16>();
}

#[test]
fn batches_cross_the_wrap_point() {
    let mut ring: Ring<u32, 5> = Ring::new();
    let (mut tx, mut rx) = ring.split();
    let mut expected = std::collections::VecDeque::new();
    let mut next = 0u32;
    let mut out = [0u32; 7];
    for round in 0..200usize {
        let want = round % 7;
        let src: Vec<u32> = (next..next + want as u32).collect();
        let pushed = tx.push_slice(&src);
        assert_eq!(pushed, want.min(5 - expected.len()));
        expected.extend(&src[..pushed]);
        next += pushed as u32;

        let take = (round * 3) % 7;
        let popped = rx.pop_slice(&mut out[..take]);
        assert_eq!(popped, take.min(expected.len()));
        for &v in &out[..popped] {
            assert_eq!(Some(v), expected.pop_front());
        }
    }
    // A full-ring batch straddling the end of the buffer: 3 in, 3 out, then 5 in.
    let mut ring: Ring<u8, 5> = Ring::new();
    let (mut tx, mut rx) = ring.split();
    assert_eq!(tx.push_slice(&[0, 1, 2]), 3);
    assert_eq!(rx.pop_slice(&mut [0; 3]), 3);
    assert_eq!(tx.push_slice(&[10, 11, 12, 13, 14, 15]), 5);
    assert_eq!(tx.push_slice(&[16]), 0);
    let mut got = [0; 6];
    assert_eq!(rx.pop_slice(&mut got), 5);
    assert_eq!(got, [10, 11, 12, 13, 14, 0]);
    assert_eq!(rx.pop_slice(&mut got), 0);
    assert_eq!(tx.push_slice(&[]), 0);
    assert_eq!(rx.pop_slice(&mut []), 0);
}

#[test]
fn push_iter_takes_only_what_fits() {
    let mut ring: Ring<String, 3> = Ring::new();
    let (mut tx, mut rx) = ring.split();
    let mut words = (0..5).map(|i| i.to_string());
    assert_eq!(tx.push_iter(&mut words), 3);
    assert_eq!(tx.push_iter(&mut words), 0);
    assert_eq!(rx.try_pop().as_deref(), Ok("0"));
    assert_eq!(tx.push_iter(&mut words), 1);
    assert_eq!(words.next().as_deref(), Some("4"));
    for want in ["1", "2", "3"] {
        assert_eq!(rx.try_pop().as_deref(), Ok(want));
    }
}

#[test]
fn peek_leaves_the_item() {
    let mut ring: Ring<Box<u32>, 2> = Ring::new();
    let (mut tx, mut rx) = ring.split();
    assert!(rx.peek().is_none());
    tx.try_push(Box::new(1)).unwrap();
    tx.try_push(Box::new(2)).unwrap();
    assert_eq!(rx.peek().map(|b| **b), Some(1));
    assert_eq!(rx.peek().map(|b| **b), Some(1));
    assert_eq!(rx.try_pop().map(|b| *b), Ok(1));
    assert_eq!(rx.peek().map(|b| **b), Some(2));
    assert_eq!(rx.try_pop().map(|b| *b), Ok(2));
    assert!(rx.peek().is_none());
}

/// Counts its drops.
struct Counted {
    _token: Rc<()>,
}

#[test]
fn dropping_the_ring_drops_leftover_items() {
    let token = Rc::new(());
    {
        let mut ring: Ring<Counted, 4> = Ring::new();
        {
            let (mut tx, mut rx) = ring.split();
            // Move head and tail past the wrap point, leaving 3 items in.
            for _ in 0..3 {
                tx.try_push(Counted {
                    _token: token.clone(),
                })
                .ok()
                .unwrap();
                drop(rx.try_pop().unwrap());
            }
            for _ in 0..4 {
                tx.try_push(Counted {
                    _token: token.clone(),
                })
                .ok()
                .unwrap();
            }
            drop(rx.try_pop().unwrap());
            assert_eq!(Rc::strong_count(&token), 4);
        }
        // Halves dropped: items stay in the ring.
        assert_eq!(Rc::strong_count(&token), 4);
        // A new split sees them, and is open again.
        let (mut tx, rx) = ring.split();
        assert_eq!(rx.len(), 3);
        assert!(!tx.is_closed());
        assert!(tx
            .try_push(Counted {
                _token: token.clone(),
            })
            .is_ok());
        assert_eq!(Rc::strong_count(&token), 5);
    }
    assert_eq!(Rc::strong_count(&token), 1);
}

#[test]
fn failed_push_gives_the_value_back_undropped() {
    let drops = Arc::new(AtomicUsize::new(0));
    struct D(Arc<AtomicUsize>);
    impl Drop for D {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
    let mut ring: Ring<D, 1> = Ring::new();
    let (mut tx, rx) = ring.split();
    tx.try_push(D(drops.clone())).ok().unwrap();
    let back = tx.try_push(D(drops.clone())).err().unwrap().into_inner();
    assert_eq!(drops.load(Ordering::Relaxed), 0);
    drop(back);
    assert_eq!(drops.load(Ordering::Relaxed), 1);
    drop((tx, rx));
    drop(ring);
    assert_eq!(drops.load(Ordering::Relaxed), 2);
}

#[test]
fn producer_dropped_consumer_drains_then_closed() {
    let mut ring: Ring<u8, 4> = Ring::new();
    let (mut tx, mut rx) = ring.split();
    tx.push_slice(&[1, 2, 3]);
    assert!(!rx.is_closed());
    drop(tx);
    assert!(rx.is_closed());
    assert_eq!(rx.try_pop(), Ok(1));
    let mut buf = [0; 4];
    assert_eq!(rx.pop_slice(&mut buf), 2);
    assert_eq!(&buf[..2], &[2, 3]);
    assert_eq!(rx.try_pop(), Err(TryRecvError::Closed));
    assert_eq!(rx.try_pop(), Err(TryRecvError::Closed));
    assert_eq!(rx.pop_blocking(), Err(RecvError));
}

#[test]
fn consumer_dropped_push_is_closed() {
    let mut ring: Ring<String, 4> = Ring::new();
    let (mut tx, rx) = ring.split();
    tx.try_push("kept".into()).unwrap();
    drop(rx);
    assert!(tx.is_closed());
    match tx.try_push("x".into()) {
        Err(TrySendError::Closed(v)) => assert_eq!(v, "x"),
        other => panic!("expected Closed, got {other:?}"),
    }
    assert_eq!(tx.push_blocking("y".into()), Err(SendError("y".into())));
    assert_eq!(tx.push_iter(["z".to_string()]), 0);
    // Closed wins over Full when the ring is also full.
    let mut ring: Ring<u8, 1> = Ring::new();
    let (mut tx, rx) = ring.split();
    tx.try_push(0).unwrap();
    drop(rx);
    assert_eq!(tx.try_push(1), Err(TrySendError::Closed(1)));
    assert_eq!(tx.push_slice(&[1]), 0);
}

#[test]
fn halves_are_send_and_ring_works_from_a_static() {
    fn assert_send<T: Send>() {}
    assert_send::<Producer<'static, String, 4>>();
    assert_send::<Consumer<'static, String, 4>>();

    static mut RING: Ring<u32, 8> = Ring::new();
    // SAFETY: the only reference to RING ever made.
    let ring: &'static mut Ring<u32, 8> = unsafe { &mut *std::ptr::addr_of_mut!(RING) };
    let (mut tx, mut rx) = ring.split();
    let t = std::thread::spawn(move || {
        for i in 0..1000 {
            tx.push_blocking(i).unwrap();
        }
    });
    for i in 0..1000 {
        assert_eq!(rx.pop_blocking(), Ok(i));
    }
    t.join().unwrap();
    assert_eq!(rx.pop_blocking(), Err(RecvError));
}

#[test]
fn zero_sized_items() {
    let mut ring: Ring<(), 3> = Ring::new();
    let (mut tx, mut rx) = ring.split();
    for _ in 0..10 {
        assert_eq!(tx.push_slice(&[(); 5]), 3);
        assert_eq!(tx.try_push(()), Err(TrySendError::Full(())));
        assert_eq!(rx.pop_slice(&mut [(); 2]), 2);
        assert_eq!(rx.try_pop(), Ok(()));
        assert_eq!(rx.try_pop(), Err(TryRecvError::Empty));
    }
}

/// What the two-thread runs do when the ring is full or empty: give the core away,
/// so the runs stay quick on a loaded machine with few cores (a pure spin there can
/// burn a whole time slice while the other side is descheduled).
fn wait_a_little() {
    std::thread::yield_now();
}

const ITEMS: u64 = 1_000_000;
/// The batch run moves fewer items: its per-item loops are slow in debug builds.
const BATCH_ITEMS: u64 = 300_000;

#[test]
fn two_threads_one_million_in_order() {
    let mut ring: Ring<u64, 64> = Ring::new();
    let (mut tx, mut rx) = ring.split();
    let start = std::time::Instant::now();
    std::thread::scope(|s| {
        s.spawn(move || {
            for i in 0..ITEMS {
                let mut v = i;
                loop {
                    match tx.try_push(v) {
                        Ok(()) => break,
                        Err(TrySendError::Full(back)) => {
                            v = back;
                            wait_a_little();
                        }
                        Err(e) => panic!("{e}"),
                    }
                }
            }
        });
        let mut expected = 0u64;
        loop {
            match rx.try_pop() {
                Ok(v) => {
                    assert_eq!(v, expected);
                    expected += 1;
                }
                Err(TryRecvError::Empty) => wait_a_little(),
                Err(TryRecvError::Closed) => break,
            }
        }
        assert_eq!(expected, ITEMS);
    });
    eprintln!("1M items, try_push/try_pop: {:?}", start.elapsed());
}

#[test]
fn two_threads_blocking_in_order() {
    let mut ring: Ring<u64, 16> = Ring::new();
    let (mut tx, mut rx) = ring.split();
    std::thread::scope(|s| {
        s.spawn(move || {
            for i in 0..ITEMS / 10 {
                tx.push_blocking(i).unwrap();
            }
        });
        let mut expected = 0;
        while let Ok(v) = rx.pop_blocking() {
            assert_eq!(v, expected);
            expected += 1;
        }
        assert_eq!(expected, ITEMS / 10);
    });
}

#[test]
fn two_threads_batches_in_order() {
    let mut ring: Ring<u64, 61> = Ring::new();
    let (mut tx, mut rx) = ring.split();
    let start = std::time::Instant::now();
    std::thread::scope(|s| {
        s.spawn(move || {
            let mut next = 0u64;
            let mut chunk = [0u64; 23];
            let mut round = 0usize;
            while next < BATCH_ITEMS {
                // Varying batch sizes, so batches straddle the wrap point.
                let len = (round % chunk.len() + 1).min((BATCH_ITEMS - next) as usize);
                round += 1;
                for (k, c) in chunk[..len].iter_mut().enumerate() {
                    *c = next + k as u64;
                }
                let mut off = 0;
                while off < len {
                    let n = tx.push_slice(&chunk[off..len]);
                    if n == 0 {
                        wait_a_little();
                    }
                    off += n;
                }
                next += len as u64;
            }
        });
        let mut expected = 0u64;
        let mut buf = [0u64; 17];
        loop {
            let closed = rx.is_closed();
            let n = rx.pop_slice(&mut buf);
            for &v in &buf[..n] {
                assert_eq!(v, expected);
                expected += 1;
            }
            if n == 0 {
                if closed {
                    break;
                }
                wait_a_little();
            }
        }
        assert_eq!(expected, BATCH_ITEMS);
    });
    eprintln!("300k items, push_slice/pop_slice: {:?}", start.elapsed());
}
