//! The single-context ring (`Queue<NoopRawMutex, ..>`, a `LocalRing` of plain
//! cells): its waits and wake-ups, close, `task_done`/`join` and drops, the parts
//! that `queue_model.rs`'s sequential model does not reach. Each test drives the
//! futures by hand with a waker that counts its wake-ups, so a missing wake-up
//! fails the test instead of hanging it.

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use spindle_core::queue::{Queue, RecvError, SendError, TaskDoneError, TryRecvError, TrySendError};
use spindle_core::raw::NoopRawMutex as L;

/// A waker that counts how often it was woken.
#[derive(Default)]
struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn counting() -> (Arc<Count>, Waker) {
    let count = Arc::new(Count::default());
    (count.clone(), Waker::from(count))
}

fn woken(count: &Count) -> usize {
    count.0.load(Ordering::SeqCst)
}

#[test]
fn fifo_full_empty_and_values_back() {
    let q: Queue<L, String, 2> = Queue::new();
    assert_eq!(q.try_recv(), Err(TryRecvError::Empty));
    q.try_send("a".into()).unwrap();
    q.try_send("b".into()).unwrap();
    assert!(q.is_full());
    assert_eq!(q.try_send("c".into()), Err(TrySendError::Full("c".into())));
    assert_eq!(q.try_recv().as_deref(), Ok("a"));
    q.try_send("d".into()).unwrap(); // wraps around
    assert_eq!(q.try_recv().as_deref(), Ok("b"));
    assert_eq!(q.try_recv().as_deref(), Ok("d"));
    assert!(q.is_empty());
}

#[test]
fn a_full_send_waits_and_a_receive_wakes_it() {
    let q: Queue<L, u8, 1> = Queue::new();
    let (count, waker) = counting();
    let mut cx = Context::from_waker(&waker);
    q.try_send(1).unwrap();
    let mut s = pin!(q.send(2));
    assert!(s.as_mut().poll(&mut cx).is_pending());
    assert_eq!(woken(&count), 0);
    assert_eq!(q.try_recv(), Ok(1));
    assert_eq!(woken(&count), 1, "the receive must wake the waiting sender");
    assert_eq!(s.as_mut().poll(&mut cx), Poll::Ready(Ok(())));
    assert_eq!(q.try_recv(), Ok(2));
}

#[test]
fn an_empty_receive_waits_and_a_send_wakes_it() {
    let q: Queue<L, u8, 2> = Queue::new();
    let (count, waker) = counting();
    let mut cx = Context::from_waker(&waker);
    let mut r = pin!(q.recv());
    assert!(r.as_mut().poll(&mut cx).is_pending());
    q.try_send(5).unwrap();
    assert_eq!(woken(&count), 1, "the send must wake the waiting receiver");
    assert_eq!(r.as_mut().poll(&mut cx), Poll::Ready(Ok(5)));
    // Nobody waits now: further sends wake nobody.
    q.try_send(6).unwrap();
    assert_eq!(woken(&count), 1);
}

/// While a waiter's bit is set in the ring's state word, sends and receives take
/// the out-of-line path: it must count items and keep FIFO order exactly as the
/// fast path does, and wake one waiter per item or per freed slot.
#[test]
fn sends_and_receives_beside_waiters_keep_order_and_counts() {
    let (count, waker) = counting();
    let mut cx = Context::from_waker(&waker);

    // Two receivers wait on an empty queue; each send wakes one.
    let q: Queue<L, u8, 3> = Queue::new();
    let mut r1 = pin!(q.recv());
    let mut r2 = pin!(q.recv());
    assert!(r1.as_mut().poll(&mut cx).is_pending());
    assert!(r2.as_mut().poll(&mut cx).is_pending());
    q.try_send(1).unwrap();
    assert_eq!(woken(&count), 1);
    q.try_send(2).unwrap();
    assert_eq!(woken(&count), 2);
    q.try_send(3).unwrap();
    assert!(q.is_full());
    assert_eq!(q.try_send(4), Err(TrySendError::Full(4)));
    assert_eq!(r1.as_mut().poll(&mut cx), Poll::Ready(Ok(1)));
    assert_eq!(r2.as_mut().poll(&mut cx), Poll::Ready(Ok(2)));
    assert_eq!(q.len(), 1);
    q.try_send(5).unwrap();
    assert_eq!(q.try_recv(), Ok(3));
    assert_eq!(q.try_recv(), Ok(5));
    assert_eq!(q.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(q.unfinished(), 4, "1, 2, 3 and 5 received, none done");
    assert_eq!(woken(&count), 2, "nobody waits any more");

    // Two senders wait on a full queue; each receive frees a slot and wakes one,
    // and a send from outside may take a freed slot while the bit is still set.
    let q: Queue<L, u8, 2> = Queue::new();
    q.try_send(10).unwrap();
    q.try_send(11).unwrap();
    let mut s1 = pin!(q.send(12));
    let mut s2 = pin!(q.send(13));
    assert!(s1.as_mut().poll(&mut cx).is_pending());
    assert!(s2.as_mut().poll(&mut cx).is_pending());
    assert_eq!(q.try_recv(), Ok(10));
    assert_eq!(woken(&count), 3);
    q.try_send(14).unwrap(); // the freed slot, taken past the woken sender
    assert!(q.is_full());
    assert_eq!(
        s1.as_mut().poll(&mut cx),
        Poll::Pending,
        "full again: waits again"
    );
    assert_eq!(q.try_recv(), Ok(11));
    assert_eq!(q.try_recv(), Ok(14));
    assert_eq!(woken(&count), 5);
    assert_eq!(s1.as_mut().poll(&mut cx), Poll::Ready(Ok(())));
    assert_eq!(s2.as_mut().poll(&mut cx), Poll::Ready(Ok(())));
    assert_eq!(q.len(), 2);
    assert_eq!(q.try_recv(), Ok(12));
    assert_eq!(q.try_recv(), Ok(13));
    assert!(q.is_empty());
}

#[test]
fn close_wakes_both_sides_and_drains() {
    let (count, waker) = counting();
    let mut cx = Context::from_waker(&waker);

    let q: Queue<L, u8, 1> = Queue::new();
    let mut r = pin!(q.recv());
    assert!(r.as_mut().poll(&mut cx).is_pending());
    assert!(q.close());
    assert!(!q.close());
    assert_eq!(woken(&count), 1);
    assert_eq!(r.as_mut().poll(&mut cx), Poll::Ready(Err(RecvError)));

    let q: Queue<L, u8, 1> = Queue::new();
    q.try_send(1).unwrap();
    let mut s = pin!(q.send(2));
    assert!(s.as_mut().poll(&mut cx).is_pending());
    q.close();
    assert_eq!(woken(&count), 2);
    assert_eq!(s.as_mut().poll(&mut cx), Poll::Ready(Err(SendError(2))));
    assert_eq!(q.try_send(3), Err(TrySendError::Closed(3)));
    assert_eq!(q.try_recv(), Ok(1), "close drains what was sent");
    assert_eq!(q.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn a_dropped_send_leaves_the_queue_consistent() {
    let q: Queue<L, u8, 1> = Queue::new();
    let (_count, waker) = counting();
    let mut cx = Context::from_waker(&waker);
    q.try_send(1).unwrap();
    {
        let mut s = pin!(q.send(2));
        assert!(s.as_mut().poll(&mut cx).is_pending());
    }
    assert_eq!(q.try_recv(), Ok(1));
    assert_eq!(
        q.try_recv(),
        Err(TryRecvError::Empty),
        "the dropped item is gone"
    );
    q.try_send(3).unwrap();
    assert_eq!(q.try_recv(), Ok(3));
}

#[test]
fn task_done_and_join() {
    let q: Queue<L, u32, 4> = Queue::new();
    let (count, waker) = counting();
    let mut cx = Context::from_waker(&waker);
    assert_eq!(q.task_done(), Err(TaskDoneError::NothingReceived));
    assert_eq!(pin!(q.join()).poll(&mut cx), Poll::Ready(()));
    q.try_send(1).unwrap();
    q.try_send(2).unwrap();
    assert_eq!(q.unfinished(), 2);
    assert_eq!(q.task_done(), Err(TaskDoneError::NothingReceived));
    let mut j = pin!(q.join());
    assert!(j.as_mut().poll(&mut cx).is_pending());
    q.try_recv().unwrap();
    q.task_done().unwrap();
    assert_eq!(woken(&count), 0, "one item is still unfinished");
    q.try_recv().unwrap();
    assert_eq!(q.unfinished(), 1);
    q.task_done().unwrap();
    assert_eq!(woken(&count), 1, "the last task_done wakes the joiner");
    assert_eq!(j.as_mut().poll(&mut cx), Poll::Ready(()));
    assert_eq!(q.unfinished(), 0);
    assert_eq!(q.task_done(), Err(TaskDoneError::NothingReceived));
}

#[test]
fn dropping_the_queue_drops_its_items() {
    let token = Arc::new(());
    {
        let q: Queue<L, Arc<()>, 3> = Queue::new();
        for _ in 0..7 {
            q.try_send(token.clone()).unwrap();
            if q.len() == 2 {
                drop(q.try_recv().unwrap());
            }
        }
        assert_eq!(Arc::strong_count(&token), 1 + q.len());
    }
    assert_eq!(Arc::strong_count(&token), 1);
}

/// A producer and a consumer on one "executor" (polled in turn, as one task
/// joining both): many more items than the capacity, so both sides wait and wake
/// each other many times.
#[test]
fn producer_and_consumer_on_one_executor() {
    const ITEMS: u32 = 1000;
    let q: Queue<L, u32, 4> = Queue::new();
    let producer = async {
        for i in 0..ITEMS {
            q.send(i).await.unwrap();
        }
        q.close();
    };
    let consumer = async {
        let mut got = Vec::new();
        while let Ok(i) = q.recv().await {
            got.push(i);
        }
        got
    };
    let (count, waker) = counting();
    let mut cx = Context::from_waker(&waker);
    let mut producer: Pin<&mut dyn Future<Output = ()>> = pin!(producer);
    let mut consumer = pin!(consumer);
    let mut produced = false;
    for _ in 0..10 * ITEMS {
        if !produced {
            produced = producer.as_mut().poll(&mut cx).is_ready();
        }
        if let Poll::Ready(got) = consumer.as_mut().poll(&mut cx) {
            assert!(produced);
            assert_eq!(got, (0..ITEMS).collect::<Vec<_>>());
            assert!(woken(&count) > 0, "the two sides waited for each other");
            return;
        }
    }
    panic!("the pair did not finish in {} rounds", 10 * ITEMS);
}
