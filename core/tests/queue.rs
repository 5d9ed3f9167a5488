//! Behaviour tests of the bounded MPMC `Queue`: try/async/blocking/timeout forms,
//! close-and-drain, task_done/join, snapshots, the capacity-erased view, and drops.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use spindle_core::queue::{
    Queue, QueueRef, RecvError, RecvTimeoutError, SendError, SendTimeoutError, TaskDoneError,
    TryRecvError, TrySendError,
};
use spindle_core::raw::{ParkingRawMutex as P, SpinRawMutex as S};
use spindle_core::sync::WaitTimeoutError;

fn noop_cx() -> Context<'static> {
    Context::from_waker(Waker::noop())
}

#[test]
fn fifo_full_and_empty_give_values_back() {
    let q: Queue<S, u32, 3> = Queue::new();
    assert_eq!(q.capacity(), 3);
    assert_eq!(q.try_recv(), Err(TryRecvError::Empty));
    for i in 0..3 {
        q.try_send(i).unwrap();
    }
    assert!(q.is_full());
    assert_eq!(q.try_send(9), Err(TrySendError::Full(9)));
    assert_eq!(q.len(), 3);
    for i in 0..3 {
        assert_eq!(q.try_recv(), Ok(i));
    }
    assert!(q.is_empty());
}

#[test]
fn wraps_around_many_laps() {
    let q: Queue<S, usize, 5> = Queue::new();
    let mut next = 0;
    for round in 0..1000 {
        let n = round % 5 + 1;
        for k in 0..n {
            q.try_send(round * 10 + k).unwrap();
        }
        assert_eq!(q.len(), n);
        for k in 0..n {
            assert_eq!(q.try_recv(), Ok(round * 10 + k));
            next += 1;
        }
    }
    assert_eq!(next, (0..1000).map(|r| r % 5 + 1).sum::<usize>());
}

#[test]
fn close_drains_then_reports_closed() {
    let q: Queue<S, String, 4> = Queue::new();
    q.try_send("a".into()).unwrap();
    q.try_send("b".into()).unwrap();
    assert!(q.close());
    assert!(!q.close());
    assert!(q.is_closed());
    assert_eq!(
        q.try_send("c".into()),
        Err(TrySendError::Closed("c".into()))
    );
    assert_eq!(q.try_recv().as_deref(), Ok("a"));
    assert_eq!(q.try_recv().as_deref(), Ok("b"));
    assert_eq!(q.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn close_wakes_waiting_receivers_and_senders() {
    let q: Queue<S, u8, 1> = Queue::new();
    let mut cx = noop_cx();
    let mut r = pin!(q.recv());
    assert!(r.as_mut().poll(&mut cx).is_pending());
    q.close();
    assert_eq!(r.as_mut().poll(&mut cx), Poll::Ready(Err(RecvError)));

    let q: Queue<S, u8, 1> = Queue::new();
    q.try_send(1).unwrap();
    let mut s = pin!(q.send(2));
    assert!(s.as_mut().poll(&mut cx).is_pending());
    q.close();
    assert_eq!(s.as_mut().poll(&mut cx), Poll::Ready(Err(SendError(2))));
    assert_eq!(q.try_recv(), Ok(1));
}

#[test]
fn async_send_waits_for_room() {
    let q: Queue<S, u8, 1> = Queue::new();
    let mut cx = noop_cx();
    q.try_send(1).unwrap();
    let mut s = pin!(q.send(2));
    assert!(s.as_mut().poll(&mut cx).is_pending());
    assert_eq!(q.try_recv(), Ok(1));
    assert_eq!(s.as_mut().poll(&mut cx), Poll::Ready(Ok(())));
    assert_eq!(q.try_recv(), Ok(2));
}

#[test]
fn timeouts_give_the_value_back() {
    let q: Queue<P, u8, 1> = Queue::new();
    assert_eq!(
        q.recv_timeout(Duration::from_millis(5)),
        Err(RecvTimeoutError::TimedOut)
    );
    q.send_blocking(1).unwrap();
    assert_eq!(
        q.send_timeout(2, Duration::from_millis(5)),
        Err(SendTimeoutError::TimedOut(2))
    );
    assert_eq!(q.recv_timeout(Duration::from_millis(5)), Ok(1));
    q.close();
    assert_eq!(
        q.send_timeout(3, Duration::from_millis(5)),
        Err(SendTimeoutError::Closed(3))
    );
}

#[test]
fn task_done_and_join() {
    let q: Queue<P, u32, 4> = Queue::new();
    assert_eq!(q.task_done(), Err(TaskDoneError::NothingReceived));
    q.join_blocking(); // nothing sent: returns at once
    q.try_send(1).unwrap();
    q.try_send(2).unwrap();
    assert_eq!(q.unfinished(), 2);
    assert_eq!(
        q.task_done(),
        Err(TaskDoneError::NothingReceived),
        "nothing received yet"
    );
    assert_eq!(
        q.join_timeout(Duration::from_millis(5)),
        Err(WaitTimeoutError::TimedOut)
    );
    q.try_recv().unwrap();
    q.task_done().unwrap();
    assert_eq!(q.task_done(), Err(TaskDoneError::NothingReceived));
    let mut cx = noop_cx();
    let mut j = pin!(q.join());
    assert!(j.as_mut().poll(&mut cx).is_pending());
    q.try_recv().unwrap();
    q.task_done().unwrap();
    assert_eq!(j.as_mut().poll(&mut cx), Poll::Ready(()));
    assert_eq!(q.unfinished(), 0);
}

#[test]
fn join_across_laps_and_threads() {
    let q: Queue<P, u64, 4> = Queue::new();
    std::thread::scope(|s| {
        s.spawn(|| {
            while let Ok(_item) = q.recv_blocking() {
                q.task_done().unwrap();
            }
        });
        for i in 0..1000 {
            q.send_blocking(i).unwrap();
        }
        q.join_blocking();
        assert_eq!(q.unfinished(), 0);
        q.close();
    });
}

#[test]
fn capacity_erased_view() {
    fn fill(q: &QueueRef<S, u8>) -> usize {
        let mut n = 0;
        while q.try_send(n as u8).is_ok() {
            n += 1;
        }
        n
    }
    let small: Queue<S, u8, 2> = Queue::new();
    let big: Queue<S, u8, 7> = Queue::new();
    assert_eq!(fill(&small), 2);
    assert_eq!(fill(&big), 7);
}

/// The sized queue's `send`/`recv` (futures over a thin reference) and the
/// capacity-erased view's (over `&QueueRef`) are one protocol: for both rings, a
/// sender waiting on a full queue and a receiver waiting on an empty one are
/// woken by the other side, and get their item through.
#[test]
fn sized_and_erased_waits_agree() {
    use spindle_core::queue::QueueStore;
    use spindle_core::raw::NoopRawMutex;

    struct Count(AtomicUsize);
    impl std::task::Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Runs the two waits through `q` (`Queue`'s methods) or `r` (`QueueRef`'s).
    fn check<R: QueueStore>(q: &Queue<R, u8, 1>, erased: bool) {
        let r: &QueueRef<R, u8> = q;
        let wakes = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(wakes.clone());
        let mut cx = Context::from_waker(&waker);

        q.try_send(1).unwrap();
        let mut send: std::pin::Pin<Box<dyn Future<Output = _>>> = if erased {
            Box::pin(r.send(2))
        } else {
            Box::pin(q.send(2))
        };
        assert!(
            send.as_mut().poll(&mut cx).is_pending(),
            "full: the send waits"
        );
        assert_eq!(q.try_recv(), Ok(1));
        assert_eq!(
            wakes.0.load(Ordering::Relaxed),
            1,
            "a receive wakes the sender"
        );
        assert_eq!(send.as_mut().poll(&mut cx), Poll::Ready(Ok(())));

        assert_eq!(q.try_recv(), Ok(2));
        let mut recv: std::pin::Pin<Box<dyn Future<Output = _>>> = if erased {
            Box::pin(r.recv())
        } else {
            Box::pin(q.recv())
        };
        assert!(
            recv.as_mut().poll(&mut cx).is_pending(),
            "empty: the receive waits"
        );
        q.try_send(3).unwrap();
        assert_eq!(
            wakes.0.load(Ordering::Relaxed),
            2,
            "a send wakes the receiver"
        );
        assert_eq!(recv.as_mut().poll(&mut cx), Poll::Ready(Ok(3)));
        assert!(q.is_empty());
    }

    for erased in [false, true] {
        check(&Queue::<NoopRawMutex, u8, 1>::new(), erased);
        check(&Queue::<S, u8, 1>::new(), erased);
    }
}

#[test]
fn dropping_the_queue_drops_its_items() {
    let token = Arc::new(());
    {
        let q: Queue<S, Arc<()>, 4> = Queue::new();
        for _ in 0..6 {
            q.try_send(token.clone()).unwrap();
            if q.len() == 3 {
                drop(q.try_recv().unwrap());
            }
        }
        assert_eq!(Arc::strong_count(&token), 1 + q.len());
    }
    assert_eq!(Arc::strong_count(&token), 1);
}

#[test]
fn mpmc_threads_every_item_once() {
    static Q: Queue<P, u64, 16> = Queue::new();
    const PER: u64 = 20_000;
    let sum = AtomicUsize::new(0);
    let count = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for p in 0..2u64 {
            s.spawn(move || {
                for i in 0..PER {
                    Q.send_blocking(p * PER + i).unwrap();
                }
            });
        }
        for _ in 0..2 {
            s.spawn(|| {
                while let Ok(v) = Q.recv_blocking() {
                    sum.fetch_add(v as usize, Ordering::Relaxed);
                    count.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        while count.load(Ordering::Relaxed) < (2 * PER) as usize {
            std::thread::yield_now();
        }
        Q.close();
    });
    let n = 2 * PER;
    assert_eq!(count.into_inner(), n as usize);
    assert_eq!(sum.into_inner() as u64, n * (n - 1) / 2);
}
