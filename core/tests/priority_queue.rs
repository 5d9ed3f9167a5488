//! Behaviour tests of `PriorityQueue`: priority-then-FIFO order, try/async/blocking/
//! timeout forms, values handed back, close-and-drain, wake-ups (and their hand-off
//! when a waiting future is dropped), task_done/join, drops, and threads.

use std::cmp::Reverse;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use spindle_core::queue::{PriorityQueue, RecvError, SendError, TaskDoneError};
use spindle_core::raw::{
    CriticalSectionRawMutex as C, NoopRawMutex as L, ParkingRawMutex as P, SpinRawMutex as S,
};
use spindle_core::sync::WaitTimeoutError;
use spindle_test_support::CountingWaker;

fn noop_cx() -> Context<'static> {
    Context::from_waker(Waker::noop())
}

#[test]
fn highest_priority_first_fifo_among_equals() {
    let q: PriorityQueue<S, u8, usize, 64> = PriorityQueue::new();
    // A scrambled sequence of priorities; the expected order is a *stable* sort by
    // descending priority, i.e. send order among equals.
    let prios: Vec<u8> = (0..64).map(|i| ((i * 37 + 11) % 7) as u8).collect();
    for (i, &p) in prios.iter().enumerate() {
        q.try_send(p, i).unwrap();
    }
    let mut expected: Vec<(u8, usize)> = prios.iter().copied().zip(0..).collect();
    expected.sort_by_key(|&(p, _)| Reverse(p));
    let got: Vec<(u8, usize)> = std::iter::from_fn(|| q.try_recv().ok()).collect();
    assert_eq!(got, expected);
}

#[test]
fn fifo_among_equals_survives_interleaving() {
    let q: PriorityQueue<S, u8, u32, 4> = PriorityQueue::new();
    let mut next_out = [0u32; 2];
    let mut next_in = [0u32; 2];
    for round in 0..1000u32 {
        let p = (round % 2) as u8;
        q.try_send(p, next_in[p as usize]).unwrap();
        next_in[p as usize] += 1;
        if q.is_full() {
            // Drain: all of priority 1 first, each class in send order.
            while let Ok((p, v)) = q.try_recv() {
                assert_eq!(v, next_out[p as usize]);
                next_out[p as usize] += 1;
            }
        }
    }
}

#[test]
fn reverse_gives_lowest_first() {
    let q: PriorityQueue<S, Reverse<u32>, &str, 4> = PriorityQueue::new();
    q.try_send(Reverse(3), "c").unwrap();
    q.try_send(Reverse(1), "a").unwrap();
    q.try_send(Reverse(2), "b").unwrap();
    let got: Vec<&str> = std::iter::from_fn(|| q.try_recv().ok().map(|(_, v)| v)).collect();
    assert_eq!(got, ["a", "b", "c"]);
}

#[test]
fn full_empty_and_snapshots() {
    let q: PriorityQueue<S, i32, String, 2> = PriorityQueue::default();
    assert_eq!(q.capacity(), 2);
    assert!(q.is_empty());
    assert_eq!(q.try_recv(), Err(RecvError::Empty));
    q.try_send(-1, "low".into()).unwrap();
    q.try_send(5, "high".into()).unwrap();
    assert!(q.is_full());
    assert_eq!(q.len(), 2);
    assert_eq!(
        q.try_send(9, "no room".into()),
        Err(SendError::Full((9, "no room".to_string())))
    );
    assert_eq!(q.try_recv(), Ok((5, "high".to_string())));
    assert_eq!(q.try_recv(), Ok((-1, "low".to_string())));
    assert!(q.is_empty());
    let dbg = format!("{q:?}");
    assert!(
        dbg.contains("PriorityQueue") && dbg.contains("len: 0"),
        "{dbg}"
    );
}

#[test]
fn close_drains_in_priority_order_then_reports_closed() {
    let q: PriorityQueue<S, u8, char, 4> = PriorityQueue::new();
    q.try_send(1, 'a').unwrap();
    q.try_send(3, 'b').unwrap();
    q.try_send(1, 'c').unwrap();
    assert!(q.close());
    assert!(!q.close());
    assert!(q.is_closed());
    assert_eq!(q.try_send(9, 'z'), Err(SendError::Closed((9, 'z'))));
    assert_eq!(q.try_recv(), Ok((3, 'b')));
    assert_eq!(q.try_recv(), Ok((1, 'a')));
    assert_eq!(q.try_recv(), Ok((1, 'c')));
    assert_eq!(q.try_recv(), Err(RecvError::Closed));
    let mut cx = noop_cx();
    assert_eq!(
        pin!(q.recv()).poll(&mut cx),
        Poll::Ready(Err(RecvError::Closed))
    );
    assert_eq!(
        pin!(q.send(0, 'y')).poll(&mut cx),
        Poll::Ready(Err(SendError::Closed((0, 'y'))))
    );
}

#[test]
fn close_wakes_every_waiting_receiver_and_sender() {
    let q: PriorityQueue<S, u8, u8, 1> = PriorityQueue::new();
    let (count, waker) = CountingWaker::new();
    let mut cx = Context::from_waker(&waker);
    let mut r1 = pin!(q.recv());
    let mut r2 = pin!(q.recv());
    assert!(r1.as_mut().poll(&mut cx).is_pending());
    assert!(r2.as_mut().poll(&mut cx).is_pending());
    q.close();
    assert_eq!(count.wakes(), 2);
    assert_eq!(
        r1.as_mut().poll(&mut cx),
        Poll::Ready(Err(RecvError::Closed))
    );
    assert_eq!(
        r2.as_mut().poll(&mut cx),
        Poll::Ready(Err(RecvError::Closed))
    );

    let q: PriorityQueue<S, u8, u8, 1> = PriorityQueue::new();
    let (count, waker) = CountingWaker::new();
    let mut cx = Context::from_waker(&waker);
    q.try_send(1, 1).unwrap();
    let mut s1 = pin!(q.send(2, 2));
    let mut s2 = pin!(q.send(3, 3));
    assert!(s1.as_mut().poll(&mut cx).is_pending());
    assert!(s2.as_mut().poll(&mut cx).is_pending());
    q.close();
    assert_eq!(count.wakes(), 2);
    assert_eq!(
        s1.as_mut().poll(&mut cx),
        Poll::Ready(Err(SendError::Closed((2, 2))))
    );
    assert_eq!(
        s2.as_mut().poll(&mut cx),
        Poll::Ready(Err(SendError::Closed((3, 3))))
    );
    assert_eq!(q.try_recv(), Ok((1, 1)));
}

#[test]
fn async_send_waits_for_room_and_recv_for_items() {
    let q: PriorityQueue<S, u8, u8, 1> = PriorityQueue::new();
    let (count, waker) = CountingWaker::new();
    let mut cx = Context::from_waker(&waker);

    let mut r = pin!(q.recv());
    assert!(r.as_mut().poll(&mut cx).is_pending());
    q.try_send(7, 70).unwrap();
    assert_eq!(count.wakes(), 1, "a send wakes a waiting receiver");
    assert_eq!(r.as_mut().poll(&mut cx), Poll::Ready(Ok((7, 70))));

    q.try_send(1, 10).unwrap();
    let mut s = pin!(q.send(2, 20));
    assert!(s.as_mut().poll(&mut cx).is_pending());
    assert_eq!(q.try_recv(), Ok((1, 10)));
    assert_eq!(count.wakes(), 2, "a receive wakes a waiting sender");
    assert_eq!(s.as_mut().poll(&mut cx), Poll::Ready(Ok(())));
    assert_eq!(q.try_recv(), Ok((2, 20)));
}

#[test]
fn dropping_a_woken_receiver_passes_the_item_on() {
    let q: PriorityQueue<S, u8, u8, 2> = PriorityQueue::new();
    let mut cx = noop_cx();
    let mut r2 = Box::pin(q.recv());
    {
        let mut r1 = Box::pin(q.recv());
        assert!(r1.as_mut().poll(&mut cx).is_pending());
        assert!(r2.as_mut().poll(&mut cx).is_pending());
        q.try_send(1, 1).unwrap(); // hands off to r1 ...
    } // ... which is dropped before it looks
    assert_eq!(r2.as_mut().poll(&mut cx), Poll::Ready(Ok((1, 1))));
}

#[test]
fn dropping_a_woken_sender_passes_the_room_on() {
    let q: PriorityQueue<S, u8, u8, 1> = PriorityQueue::new();
    let mut cx = noop_cx();
    q.try_send(0, 0).unwrap();
    let mut s2 = Box::pin(q.send(2, 2));
    {
        let mut s1 = Box::pin(q.send(1, 1));
        assert!(s1.as_mut().poll(&mut cx).is_pending());
        assert!(s2.as_mut().poll(&mut cx).is_pending());
        assert_eq!(q.try_recv(), Ok((0, 0))); // room handed to s1 ...
    } // ... which is dropped (with its pair) before it sends
    assert_eq!(s2.as_mut().poll(&mut cx), Poll::Ready(Ok(())));
    assert_eq!(q.try_recv(), Ok((2, 2)));
    assert!(q.is_empty());
}

#[test]
fn single_context_raw_mutex_works_async() {
    let q: PriorityQueue<L, u8, u8, 1> = PriorityQueue::new();
    let mut cx = noop_cx();
    let mut r = pin!(q.recv());
    assert!(r.as_mut().poll(&mut cx).is_pending());
    q.try_send(3, 3).unwrap();
    assert_eq!(r.as_mut().poll(&mut cx), Poll::Ready(Ok((3, 3))));
}

#[test]
fn timeouts_give_the_pair_back() {
    let q: PriorityQueue<P, u8, u8, 1> = PriorityQueue::new();
    assert_eq!(
        q.recv_timeout(Duration::from_millis(5)),
        Err(RecvError::TimedOut)
    );
    q.send_blocking(1, 1).unwrap();
    assert_eq!(
        q.send_timeout(2, 2, Duration::from_millis(5)),
        Err(SendError::TimedOut((2, 2)))
    );
    assert_eq!(q.recv_timeout(Duration::from_millis(5)), Ok((1, 1)));
    q.close();
    assert_eq!(
        q.send_timeout(3, 3, Duration::from_millis(5)),
        Err(SendError::Closed((3, 3)))
    );
    assert_eq!(
        q.recv_timeout(Duration::from_millis(5)),
        Err(RecvError::Closed)
    );
}

#[test]
fn task_done_and_join() {
    let q: PriorityQueue<P, u8, u32, 4> = PriorityQueue::new();
    assert_eq!(q.task_done(), Err(TaskDoneError::NothingReceived));
    q.join_blocking(); // nothing sent: returns at once
    q.try_send(0, 1).unwrap();
    q.try_send(0, 2).unwrap();
    assert_eq!(q.unfinished(), 2);
    assert_eq!(q.task_done(), Err(TaskDoneError::NothingReceived));
    assert_eq!(
        q.join_timeout(Duration::from_millis(5)),
        Err(WaitTimeoutError::TimedOut)
    );
    q.try_recv().unwrap();
    q.task_done().unwrap();
    assert_eq!(q.task_done(), Err(TaskDoneError::NothingReceived));

    let (count, waker) = CountingWaker::new();
    let mut cx = Context::from_waker(&waker);
    let mut j1 = pin!(q.join());
    let mut j2 = pin!(q.join());
    assert!(j1.as_mut().poll(&mut cx).is_pending());
    assert!(j2.as_mut().poll(&mut cx).is_pending());
    q.try_recv().unwrap();
    assert!(
        j1.as_mut().poll(&mut cx).is_pending(),
        "received is not done"
    );
    q.task_done().unwrap();
    assert_eq!(count.wakes(), 2, "every joiner wakes");
    assert_eq!(j1.as_mut().poll(&mut cx), Poll::Ready(()));
    assert_eq!(j2.as_mut().poll(&mut cx), Poll::Ready(()));
    assert_eq!(q.unfinished(), 0);
    assert_eq!(q.join_timeout(Duration::from_millis(5)), Ok(()));
}

#[test]
fn join_across_threads() {
    let q: PriorityQueue<P, u8, u64, 4> = PriorityQueue::new();
    std::thread::scope(|s| {
        s.spawn(|| {
            while let Ok(_item) = q.recv_blocking() {
                q.task_done().unwrap();
            }
        });
        for i in 0..1000 {
            q.send_blocking((i % 3) as u8, i).unwrap();
        }
        q.join_blocking();
        assert_eq!(q.unfinished(), 0);
        q.close();
    });
}

#[test]
fn dropping_the_queue_drops_its_items() {
    let token = Arc::new(());
    {
        let q: PriorityQueue<S, u8, Arc<()>, 4> = PriorityQueue::new();
        for i in 0..3 {
            q.try_send(i, token.clone()).unwrap();
        }
        drop(q.try_recv().unwrap());
        assert_eq!(Arc::strong_count(&token), 3);
    }
    assert_eq!(Arc::strong_count(&token), 1);
}

#[test]
fn const_static_and_critical_section_blocking() {
    static Q: PriorityQueue<C, u8, u32, 2> = PriorityQueue::new();
    std::thread::scope(|s| {
        s.spawn(|| {
            for i in 0..500 {
                Q.send_blocking((i % 5) as u8, i).unwrap();
            }
            Q.close();
        });
        let mut n = 0;
        while Q.recv_blocking().is_ok() {
            n += 1;
        }
        assert_eq!(n, 500);
    });
}

#[test]
fn mpmc_threads_every_item_once() {
    static Q: PriorityQueue<P, u8, u64, 16> = PriorityQueue::new();
    const PER: u64 = 20_000;
    let seen: Vec<AtomicBool> = (0..2 * PER).map(|_| AtomicBool::new(false)).collect();
    let count = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for p in 0..2u64 {
            s.spawn(move || {
                for i in 0..PER {
                    Q.send_blocking((i % 8) as u8, p * PER + i).unwrap();
                }
            });
        }
        for _ in 0..2 {
            s.spawn(|| {
                while let Ok((prio, v)) = Q.recv_blocking() {
                    assert_eq!(prio as u64, (v % PER) % 8);
                    let dup = seen[v as usize].swap(true, Ordering::Relaxed);
                    assert!(!dup, "item {v} received twice");
                    count.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        while count.load(Ordering::Relaxed) < (2 * PER) as usize {
            std::thread::yield_now();
        }
        Q.close();
    });
    assert_eq!(count.into_inner(), (2 * PER) as usize);
    assert!(seen.iter().all(|b| b.load(Ordering::Relaxed)));
}

#[test]
fn per_producer_fifo_within_a_priority_across_threads() {
    let q: PriorityQueue<P, u8, (usize, u32), 8> = PriorityQueue::new();
    const PER: u32 = 5_000;
    std::thread::scope(|s| {
        for p in 0..2usize {
            let q = &q;
            s.spawn(move || {
                for i in 0..PER {
                    q.send_blocking((i % 3) as u8, (p, i)).unwrap();
                }
            });
        }
        let mut last = [[None::<u32>; 3]; 2];
        for _ in 0..2 * PER {
            let (prio, (p, i)) = q.recv_blocking().unwrap();
            let slot = &mut last[p][prio as usize];
            assert!(
                slot.is_none_or(|l| l < i),
                "out of order: {slot:?} then {i}"
            );
            *slot = Some(i);
        }
        assert_eq!(q.try_recv(), Err(RecvError::Empty));
    });
}
