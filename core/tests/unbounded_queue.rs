//! Behaviour tests of `UnboundedQueue`: FIFO, sends that never wait, close-and-drain,
//! receive forms (try/async/blocking/timeout), wake-ups and their hand-off,
//! task_done/join, drops, and threads.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use spindle_core::queue::{RecvError, SendError, TaskDoneError, UnboundedQueue};
use spindle_core::raw::{ParkingRawMutex as P, SpinRawMutex as S};
use spindle_core::sync::WaitTimeoutError;
use spindle_test_support::CountingWaker;

fn noop_cx() -> Context<'static> {
    Context::from_waker(Waker::noop())
}

#[test]
fn fifo_without_a_bound() {
    let q: UnboundedQueue<S, u32> = UnboundedQueue::default();
    assert_eq!(q.try_recv(), Err(RecvError::Empty));
    for i in 0..10_000 {
        q.send(i).unwrap();
    }
    q.try_send(10_000).unwrap();
    assert_eq!(q.len(), 10_001);
    for i in 0..=10_000 {
        assert_eq!(q.try_recv(), Ok(i));
    }
    assert!(q.is_empty());
    assert!(format!("{q:?}").contains("UnboundedQueue"));
}

#[test]
fn close_drains_then_reports_closed() {
    let q: UnboundedQueue<S, String> = UnboundedQueue::new();
    q.send("a".into()).unwrap();
    q.send("b".into()).unwrap();
    assert!(q.close());
    assert!(!q.close());
    assert!(q.is_closed());
    assert_eq!(q.send("c".into()), Err(SendError::Closed("c".into())));
    assert_eq!(q.try_send("d".into()), Err(SendError::Closed("d".into())));
    assert_eq!(q.try_recv().as_deref(), Ok("a"));
    assert_eq!(q.try_recv().as_deref(), Ok("b"));
    assert_eq!(q.try_recv(), Err(RecvError::Closed));
    assert_eq!(
        pin!(q.recv()).poll(&mut noop_cx()),
        Poll::Ready(Err(RecvError::Closed))
    );
}

#[test]
fn async_recv_is_woken_by_send_and_by_close() {
    let q: UnboundedQueue<S, u8> = UnboundedQueue::new();
    let (count, waker) = CountingWaker::new();
    let mut cx = Context::from_waker(&waker);
    let mut r = pin!(q.recv());
    assert!(r.as_mut().poll(&mut cx).is_pending());
    q.send(1).unwrap();
    assert_eq!(count.wakes(), 1);
    assert_eq!(r.as_mut().poll(&mut cx), Poll::Ready(Ok(1)));

    let mut r1 = pin!(q.recv());
    let mut r2 = pin!(q.recv());
    assert!(r1.as_mut().poll(&mut cx).is_pending());
    assert!(r2.as_mut().poll(&mut cx).is_pending());
    q.close();
    assert_eq!(count.wakes(), 3);
    assert_eq!(
        r1.as_mut().poll(&mut cx),
        Poll::Ready(Err(RecvError::Closed))
    );
    assert_eq!(
        r2.as_mut().poll(&mut cx),
        Poll::Ready(Err(RecvError::Closed))
    );
}

#[test]
fn dropping_a_woken_receiver_passes_the_item_on() {
    let q: UnboundedQueue<S, u8> = UnboundedQueue::new();
    let mut cx = noop_cx();
    let mut r2 = Box::pin(q.recv());
    {
        let mut r1 = Box::pin(q.recv());
        assert!(r1.as_mut().poll(&mut cx).is_pending());
        assert!(r2.as_mut().poll(&mut cx).is_pending());
        q.send(9).unwrap();
    }
    assert_eq!(r2.as_mut().poll(&mut cx), Poll::Ready(Ok(9)));
}

#[test]
fn recv_timeout() {
    let q: UnboundedQueue<P, u8> = UnboundedQueue::new();
    assert_eq!(
        q.recv_timeout(Duration::from_millis(5)),
        Err(RecvError::TimedOut)
    );
    q.send(1).unwrap();
    assert_eq!(q.recv_timeout(Duration::from_millis(5)), Ok(1));
    q.close();
    assert_eq!(
        q.recv_timeout(Duration::from_millis(5)),
        Err(RecvError::Closed)
    );
}

#[test]
fn task_done_and_join() {
    let q: UnboundedQueue<P, u32> = UnboundedQueue::new();
    assert_eq!(q.task_done(), Err(TaskDoneError::NothingReceived));
    q.join_blocking();
    q.send(1).unwrap();
    q.send(2).unwrap();
    assert_eq!(q.unfinished(), 2);
    assert_eq!(q.task_done(), Err(TaskDoneError::NothingReceived));
    assert_eq!(
        q.join_timeout(Duration::from_millis(5)),
        Err(WaitTimeoutError::TimedOut)
    );
    q.try_recv().unwrap();
    q.task_done().unwrap();
    let mut cx = noop_cx();
    let mut j = pin!(q.join());
    assert!(j.as_mut().poll(&mut cx).is_pending());
    q.try_recv().unwrap();
    assert!(j.as_mut().poll(&mut cx).is_pending());
    q.task_done().unwrap();
    assert_eq!(j.as_mut().poll(&mut cx), Poll::Ready(()));
    assert_eq!(q.task_done(), Err(TaskDoneError::NothingReceived));
    assert_eq!(q.join_timeout(Duration::from_millis(5)), Ok(()));
}

#[test]
fn dropping_the_queue_drops_its_items() {
    let token = Arc::new(());
    {
        let q: UnboundedQueue<S, Arc<()>> = UnboundedQueue::new();
        for _ in 0..5 {
            q.send(token.clone()).unwrap();
        }
        drop(q.try_recv().unwrap());
        assert_eq!(Arc::strong_count(&token), 5);
    }
    assert_eq!(Arc::strong_count(&token), 1);
}

#[test]
fn join_across_threads() {
    static Q: UnboundedQueue<P, u64> = UnboundedQueue::new();
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                while let Ok(_item) = Q.recv_blocking() {
                    Q.task_done().unwrap();
                }
            });
        }
        for i in 0..5_000 {
            Q.send(i).unwrap();
        }
        Q.join_blocking();
        assert_eq!(Q.unfinished(), 0);
        Q.close();
    });
}

#[test]
fn mpmc_threads_every_item_once() {
    let q: UnboundedQueue<P, u64> = UnboundedQueue::new();
    const PER: u64 = 20_000;
    let seen: Vec<AtomicBool> = (0..2 * PER).map(|_| AtomicBool::new(false)).collect();
    let count = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for p in 0..2u64 {
            let q = &q;
            s.spawn(move || {
                for i in 0..PER {
                    q.send(p * PER + i).unwrap();
                }
            });
        }
        for _ in 0..2 {
            s.spawn(|| {
                let mut last = [None::<u64>; 2];
                while let Ok(v) = q.recv_blocking() {
                    // FIFO: each consumer sees each producer's items in order.
                    let from = (v / PER) as usize;
                    assert!(last[from].is_none_or(|l| l < v));
                    last[from] = Some(v);
                    assert!(!seen[v as usize].swap(true, Ordering::Relaxed));
                    count.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        while count.load(Ordering::Relaxed) < (2 * PER) as usize {
            std::thread::yield_now();
        }
        q.close();
    });
    assert_eq!(count.into_inner(), (2 * PER) as usize);
    assert!(seen.iter().all(|b| b.load(Ordering::Relaxed)));
}
