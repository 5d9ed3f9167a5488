//! Proves the core allocates nothing: every primitive's try, async (polled by hand)
//! and blocking paths, waiting included, run under a counting global allocator that
//! must see zero allocations from this thread.
//!
//! (Blocking under `std` builds one thread-parking waker per thread, once; the test
//! warms it up before counting. Without `std` there is no allocator to call at all:
//! `ci/no-std.sh` links the core with none.)

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Waker};

use spindle_core::queue::{spsc, PriorityQueue, Queue, Tracked};
use spindle_core::raw::{CriticalSectionRawMutex, ParkingRawMutex, SpinRawMutex};
use spindle_core::sync::ordered::{acquire, OrderedMutex};
use spindle_core::sync::{
    BoundedSemaphore, Condvar, Event, Mutex, Notify, Oneshot, ReentrantMutex, Semaphore, WaitGroup,
};
use spindle_core::wait::{block_on, WaitList};
use spindle_test_support::CountingAlloc;

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc::new();

#[test]
fn the_core_never_allocates() {
    // Warm up this thread's parking waker (built once per thread).
    block_on(async {});

    static M: Mutex<CriticalSectionRawMutex, u32> = Mutex::new(0);
    static E: Event<SpinRawMutex> = Event::new();
    static L: WaitList<SpinRawMutex> = WaitList::new();

    let ((), allocs) = GLOBAL.count(|| {
        let mut cx = Context::from_waker(Waker::noop());

        // Mutex: try, blocking, and a waiter that queues then is handed the lock.
        *M.try_lock().unwrap() += 1;
        *M.lock_blocking() += 1;
        let held = M.try_lock().unwrap();
        {
            let mut fut = pin!(M.lock());
            assert!(fut.as_mut().poll(&mut cx).is_pending());
            drop(held);
            assert!(fut.as_mut().poll(&mut cx).is_ready());
        }

        let r: ReentrantMutex<ParkingRawMutex, u8> = ReentrantMutex::new(0);
        let a = r.lock_blocking();
        let b = r.try_lock().unwrap();
        drop((a, b));

        let s: Semaphore<SpinRawMutex> = Semaphore::new(0);
        {
            let mut fut = pin!(s.acquire());
            assert!(fut.as_mut().poll(&mut cx).is_pending());
            s.add_permits(1).unwrap();
            assert!(fut.as_mut().poll(&mut cx).is_ready());
        }
        let bs: BoundedSemaphore<SpinRawMutex> = BoundedSemaphore::new(1);
        assert!(bs.release().is_err());

        {
            let mut fut = pin!(E.wait());
            assert!(fut.as_mut().poll(&mut cx).is_pending());
            E.set();
            assert!(fut.as_mut().poll(&mut cx).is_ready());
            E.wait_blocking();
        }

        let n: Notify<SpinRawMutex> = Notify::new();
        {
            let mut fut = pin!(n.notified());
            assert!(fut.as_mut().poll(&mut cx).is_pending());
            n.notify_one();
            assert!(fut.as_mut().poll(&mut cx).is_ready());
        }

        let cm: Mutex<SpinRawMutex, bool> = Mutex::new(false);
        let cv: Condvar<SpinRawMutex> = Condvar::new();
        {
            let mut fut = pin!(async { *cv.wait_until(cm.lock().await, |f| *f).await });
            assert!(fut.as_mut().poll(&mut cx).is_pending());
            *cm.try_lock().unwrap() = true;
            cv.notify_all();
            assert!(fut.as_mut().poll(&mut cx).is_ready());
        }

        let o: Oneshot<SpinRawMutex, [u8; 64]> = Oneshot::new();
        {
            let mut fut = pin!(o.recv());
            assert!(fut.as_mut().poll(&mut cx).is_pending());
            o.send([7; 64]).unwrap();
            assert!(fut.as_mut().poll(&mut cx).is_ready());
        }

        let wg: WaitGroup<SpinRawMutex> = WaitGroup::new();
        wg.add(1).unwrap();
        {
            let mut fut = pin!(wg.wait());
            assert!(fut.as_mut().poll(&mut cx).is_pending());
            wg.done().unwrap();
            assert!(fut.as_mut().poll(&mut cx).is_ready());
        }

        // Many waiters at once: the list has no capacity and takes no heap.
        {
            let mut ws: [_; 40] = core::array::from_fn(|_| L.waiter());
            for w in ws.iter_mut() {
                // SAFETY: `ws` is not moved again before it is dropped.
                let w = unsafe { std::pin::Pin::new_unchecked(w) };
                assert!(w.poll_wait(&mut cx, || false).is_pending());
            }
            assert_eq!(L.len(), 40);
            assert_eq!(L.wake_all(), 40);
        }

        // Queues: a waiting receiver, a waiting sender, close and join.
        let q: Queue<SpinRawMutex, [u8; 16], 2> = Queue::new();
        {
            let mut r = pin!(q.recv());
            assert!(r.as_mut().poll(&mut cx).is_pending());
            q.try_send([1; 16]).unwrap();
            assert!(r.as_mut().poll(&mut cx).is_ready());
            q.task_done().unwrap();
            q.try_send([2; 16]).unwrap();
            q.try_send([3; 16]).unwrap();
            let mut s = pin!(q.send([4; 16]));
            assert!(s.as_mut().poll(&mut cx).is_pending());
            q.try_recv().unwrap();
            assert!(s.as_mut().poll(&mut cx).is_ready());
            let mut j = pin!(q.join());
            assert!(j.as_mut().poll(&mut cx).is_pending());
            q.close();
        }
        let pq: PriorityQueue<SpinRawMutex, u8, &str, 4> = PriorityQueue::new();
        pq.try_send(1, "low").unwrap();
        pq.try_send(9, "high").unwrap();
        assert_eq!(pq.try_recv().unwrap().1, "high");
        {
            let done: Event<SpinRawMutex> = Event::new();
            let tq: Queue<SpinRawMutex, Tracked<u32, &Event<SpinRawMutex>>, 1> = Queue::new();
            tq.try_send(Tracked::new(5, &done)).unwrap();
            assert_eq!(tq.try_recv().unwrap().finish(), 5);
            assert!(done.is_set());
        }
        let mut ring: spsc::Ring<u64, 4> = spsc::Ring::new();
        {
            let (mut tx, mut rx) = ring.split();
            tx.try_push(7).unwrap();
            assert_eq!(rx.try_pop(), Ok(7));
        }

        let x: OrderedMutex<SpinRawMutex, u8> = OrderedMutex::new("x", 0);
        let y: OrderedMutex<SpinRawMutex, u8> = OrderedMutex::new("y", 0);
        drop(acquire([&y, &x]).unwrap());
    });
    assert_eq!(allocs, 0, "spindle-core allocated {allocs} times");
}
