//! Behaviour tests of `Tracked` and `Completion`: the book's `(data, Event)` pairs.
//! Finishing sets the event, dropping unfinished sets it too, `into_parts` does not;
//! borrowed (no heap) and `Arc` (alloc) events; items tracked across threads.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use spindle_core::queue::{
    Completion, EventHandle, PriorityQueue, Queue, Tracked, TrySendError, UnboundedQueue,
};
use spindle_core::raw::{ParkingRawMutex as P, SpinRawMutex as S};
use spindle_core::sync::{Event, WaitTimeoutError};

#[test]
fn finish_sets_the_event_and_returns_the_item() {
    let ev: Event<S> = Event::new();
    let mut job = Tracked::new(String::from("data"), &ev);
    assert_eq!(job.item(), "data");
    job.item_mut().push('!');
    assert!(!job.event().is_set());
    assert!(format!("{job:?}").contains("data!"));
    let item = job.finish();
    assert_eq!(item, "data!");
    assert!(ev.is_set());
}

#[test]
fn dropping_unfinished_sets_the_event() {
    let ev: Event<S> = Event::new();
    drop(Tracked::new(1, &ev));
    assert!(ev.is_set());
}

#[test]
fn into_parts_does_not_set_the_event() {
    let ev: Event<S> = Event::new();
    let (item, done) = Tracked::new(vec![1, 2, 3], &ev).into_parts();
    assert_eq!(item, [1, 2, 3]);
    assert!(!ev.is_set());
    done.event().set();
    assert!(ev.is_set());
}

#[test]
fn dropping_the_item_inside_drops_it_once() {
    let token = Arc::new(());
    let ev: Event<S> = Event::new();
    drop(Tracked::new(token.clone(), &ev));
    assert_eq!(Arc::strong_count(&token), 1);
    let t = Tracked::new(token.clone(), &ev).finish();
    assert_eq!(Arc::strong_count(&token), 2);
    drop(t);
    let (t, _) = Tracked::new(token.clone(), &ev).into_parts();
    assert_eq!(Arc::strong_count(&token), 2);
    drop(t);
    assert_eq!(Arc::strong_count(&token), 1);
}

#[test]
fn completion_waits_in_every_way() {
    let (job, done): (_, Completion<P>) = Tracked::with_handle(5u32);
    let done2 = done.clone();
    assert!(!done.is_done());
    assert_eq!(
        done.wait_timeout(Duration::from_millis(5)),
        Err(WaitTimeoutError::TimedOut)
    );
    let mut cx = Context::from_waker(Waker::noop());
    let mut w = pin!(done.wait());
    assert!(w.as_mut().poll(&mut cx).is_pending());
    assert_eq!(job.finish(), 5);
    assert_eq!(w.as_mut().poll(&mut cx), Poll::Ready(()));
    assert!(done2.is_done());
    done.wait_blocking();
    assert_eq!(done.wait_timeout(Duration::from_millis(5)), Ok(()));
    assert!(format!("{done:?}").contains("Completion"));
}

#[test]
fn a_send_error_nobody_reads_releases_the_producer() {
    let q: Queue<S, Tracked<u8, Arc<Event<S>>>, 1> = Queue::new();
    q.close();
    let (job, done) = Tracked::with_handle(1);
    let err = q.try_send(job).unwrap_err();
    assert!(matches!(err, TrySendError::Closed(_)));
    assert!(!done.is_done(), "the error still holds the item");
    drop(err);
    assert!(done.is_done());
}

#[test]
fn dropping_the_queue_releases_waiting_producers() {
    let (job, done) = Tracked::with_handle(1u8);
    {
        let q: UnboundedQueue<S, Tracked<u8, Arc<Event<S>>>> = UnboundedQueue::new();
        q.send(job).unwrap();
        assert!(!done.is_done());
    }
    assert!(done.is_done());
}

#[test]
fn borrowed_events_across_threads_no_heap_for_the_event() {
    // The book's story with the event on the producer's stack, reused per item.
    let ev: Event<P> = Event::new();
    let q: Queue<P, Tracked<u64, &Event<P>>, 2> = Queue::new();
    let processed = AtomicUsize::new(0);
    std::thread::scope(|s| {
        s.spawn(|| {
            while let Ok(mut job) = q.recv_blocking() {
                *job.item_mut() += 1;
                processed.fetch_add(1, Ordering::SeqCst);
                job.finish();
            }
        });
        for n in 0..200u64 {
            ev.clear();
            q.send_blocking(Tracked::new(n, &ev)).unwrap();
            ev.wait_blocking();
            // Processed before we were told.
            assert_eq!(processed.load(Ordering::SeqCst), n as usize + 1);
        }
        q.close();
    });
}

#[test]
fn tracked_items_across_threads_with_handles() {
    static Q: PriorityQueue<P, u8, Tracked<u32, Arc<Event<P>>>, 4> = PriorityQueue::new();
    let processed = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                while let Ok((_, job)) = Q.recv_blocking() {
                    processed.fetch_add(*job.item() as usize, Ordering::SeqCst);
                    job.finish();
                }
            });
        }
        let producers: Vec<_> = (0..2u32)
            .map(|p| {
                s.spawn(move || {
                    for i in 0..500u32 {
                        let (job, done) = Tracked::with_handle(1);
                        Q.send_blocking((i % 4) as u8, job).unwrap();
                        // Wait for this one; on timeout, the test fails rather than hangs.
                        done.wait_timeout(Duration::from_secs(10)).unwrap();
                        assert!(done.is_done(), "producer {p} item {i}");
                    }
                })
            })
            .collect();
        for p in producers {
            p.join().unwrap();
        }
        Q.close();
    });
    assert_eq!(processed.into_inner(), 1000);
}
