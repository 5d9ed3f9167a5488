//! The cooperative scheduler (recipe 12.12): run order, spawning, join handles,
//! cancellation, full slots, idling and cross-thread wake-ups.

use std::cell::{Cell, RefCell};
use std::pin::pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use spindle_core::raw::ParkingRawMutex;
use spindle_core::sched::{
    current_task_id, yield_now, RunQueue, Scheduler, Task, TaskJoinError, TaskPool, TaskSlotsFull,
    TaskSpawnError,
};
use spindle_core::sync::Event;

type Log = RefCell<Vec<String>>;

async fn countdown(log: &Log, mut n: u32) {
    while n > 0 {
        log.borrow_mut().push(format!("T-minus {n}"));
        yield_now().await;
        n -= 1;
    }
    log.borrow_mut().push("Blastoff!".into());
}

async fn countup(log: &Log, n: u32) {
    let mut x = 0;
    while x < n {
        log.borrow_mut().push(format!("Counting up {x}"));
        yield_now().await;
        x += 1;
    }
}

#[test]
fn round_robin_matches_the_books_deque() {
    let log = Log::default();
    let sched: Scheduler<3> = Scheduler::new();
    let a = pin!(Task::new(countdown(&log, 2)));
    let b = pin!(Task::new(countdown(&log, 1)));
    let c = pin!(Task::new(countup(&log, 3)));
    sched.spawn(a).unwrap();
    sched.spawn(b).unwrap();
    sched.spawn(c).unwrap();
    assert_eq!(sched.len(), 3);
    sched.run();
    assert!(sched.is_empty());
    assert_eq!(
        *log.borrow(),
        [
            "T-minus 2",
            "T-minus 1",
            "Counting up 0",
            "T-minus 1",
            "Blastoff!",
            "Counting up 1",
            "Blastoff!",
            "Counting up 2",
        ]
    );
}

async fn echo<T: Clone>(x: T, times: usize) -> Vec<T> {
    let mut out = Vec::new();
    for _ in 0..times {
        out.push(x.clone());
        yield_now().await;
    }
    out
}

#[test]
fn generic_tasks_and_outputs() {
    static READY: RunQueue<2> = RunQueue::new();
    let sched = Scheduler::with_run_queue(&READY).unwrap();
    let a = pin!(Task::new(echo("s", 2)));
    let b = pin!(Task::new(echo(7u8, 3)));
    let mut ha = sched.spawn(a).unwrap();
    let mut hb = sched.spawn(b).unwrap();
    assert!(!ha.is_finished());
    sched.run_with(|| {});
    assert!(ha.is_finished() && hb.is_finished());
    assert_eq!(ha.try_take(), Some(vec!["s", "s"]));
    assert_eq!(ha.try_take(), None);
    assert_eq!(hb.try_take(), Some(vec![7, 7, 7]));
}

#[test]
fn spawn_from_inside_a_task_runs_after_the_ready_ones() {
    let log = Log::default();
    let sched: Scheduler<4> = Scheduler::new();
    let pool = pin!(TaskPool::<_, 2>::new());
    let pool = pool.into_ref();
    let parent = pin!(Task::new(async {
        log.borrow_mut().push("parent".into());
        let child = pool.spawn(&sched, countdown(&log, 1)).unwrap();
        yield_now().await;
        log.borrow_mut().push("parent again".into());
        child.await.unwrap();
        log.borrow_mut().push("joined".into());
    }));
    let other = pin!(Task::new(countup(&log, 2)));
    sched.spawn(parent).unwrap();
    sched.spawn(other).unwrap();
    sched.run();
    // Python: the child is appended when spawned, the parent when it yields.
    assert_eq!(
        *log.borrow(),
        [
            "parent",
            "Counting up 0",
            "T-minus 1",
            "parent again",
            "Counting up 1",
            "Blastoff!",
            "joined",
        ]
    );
    assert_eq!(pool.in_use(), 0);
}

async fn value(n: u32) -> u32 {
    n
}

#[test]
fn pool_cells_are_reused_and_busy_is_an_error() {
    let sched: Scheduler<4> = Scheduler::new();
    let pool = pin!(TaskPool::<_, 1>::new());
    let pool = pool.into_ref();
    let h = pool.spawn(&sched, value(1)).unwrap();
    match pool.spawn(&sched, value(2)) {
        Err(TaskSpawnError::Busy(_)) => {}
        other => panic!("expected Busy, got {other:?}"),
    }
    sched.run();
    // Finished, but the handle is alive: still in use.
    assert_eq!(pool.in_use(), 1);
    drop(h);
    assert_eq!(pool.in_use(), 0);
    let mut h = pool.spawn(&sched, value(3)).unwrap();
    sched.run();
    assert_eq!(h.try_take(), Some(3));
}

#[test]
fn full_and_busy_are_error_values() {
    static READY: RunQueue<1> = RunQueue::new();
    let sched = Scheduler::with_run_queue(&READY).unwrap();
    let a = pin!(Task::new(async { 1 }));
    let b = pin!(Task::new(async { 2 }));
    let mut ha = sched.spawn(a).unwrap();
    let b = match sched.spawn(b) {
        Err(TaskSpawnError::Full(b)) => b,
        other => panic!("expected Full, got {:?}", other.map(|_| ())),
    };
    assert_eq!(
        TaskSpawnError::Full(()).to_string(),
        "every task slot of the scheduler is taken"
    );
    sched.run();
    assert_eq!(ha.try_take(), Some(1));
    // The slot is free again: b goes in now.
    let mut hb = sched.spawn(b).unwrap();
    sched.run();
    assert_eq!(hb.try_take(), Some(2));
    let boxed = sched.spawn_boxed(async {});
    assert!(boxed.is_ok());
    assert!(matches!(sched.spawn_boxed(async {}), Err(TaskSlotsFull(_))));
    sched.run();
}

#[test]
fn a_finished_task_cannot_be_spawned_again() {
    let sched: Scheduler<2> = Scheduler::new();
    let mut t = Box::pin(Task::new(async { 5 }));
    let mut h = sched.spawn(t.as_mut()).unwrap();
    sched.run();
    assert_eq!(h.try_take(), Some(5));
    drop(h);
    assert!(matches!(
        sched.spawn(t.as_mut()),
        Err(TaskSpawnError::Busy(_))
    ));
}

#[test]
fn join_from_another_task_and_taken_errors() {
    let sched: Scheduler<2> = Scheduler::new();
    let worker = pin!(Task::new(async {
        yield_now().await;
        yield_now().await;
        "done"
    }));
    let mut worker = sched.spawn(worker).unwrap();
    let id = worker.id();
    let waiter = pin!(Task::new(async {
        let got = (&mut worker).await;
        let again = (&mut worker).await;
        (got, again, current_task_id())
    }));
    let mut waiter = sched.spawn(waiter).unwrap();
    sched.run();
    let (got, again, me) = waiter.try_take().unwrap();
    assert_eq!(got, Ok("done"));
    assert_eq!(again, Err(TaskJoinError::Taken));
    assert_eq!(me, Some(waiter.id()));
    assert_ne!(me, Some(id));
    assert_eq!(current_task_id(), None);
}

struct DropFlag(Rc<Cell<bool>>);
impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

#[test]
fn cancel_drops_the_future_at_the_next_scheduling_point() {
    let dropped = Rc::new(Cell::new(false));
    let sched: Scheduler<2> = Scheduler::new();
    let flag = DropFlag(dropped.clone());
    let forever = pin!(Task::new(async move {
        let _flag = flag;
        std::future::pending::<()>().await;
    }));
    let forever = sched.spawn(forever).unwrap();
    let quick = pin!(Task::new(async { 9 }));
    let mut quick = sched.spawn(quick).unwrap();
    assert_eq!(sched.run_until_stalled(), 2);
    // `forever` waits (for nothing); `quick` is done. Cancelling a finished task
    // keeps its output.
    quick.cancel();
    assert_eq!(quick.try_take(), Some(9));
    assert!(!dropped.get());
    forever.cancel();
    assert!(
        !dropped.get(),
        "dropped at the next scheduling point, not now"
    );
    sched.run();
    assert!(dropped.get());
    assert!(forever.is_finished());
    let mut forever = forever;
    assert_eq!(
        spindle_core::wait::block_on(&mut forever),
        Err(TaskJoinError::Cancelled)
    );
}

#[test]
fn dropping_task_storage_unlinks_it() {
    let sched: Scheduler<2> = Scheduler::new();
    {
        let t = pin!(Task::new(async {
            yield_now().await;
            std::future::pending::<()>().await;
        }));
        let _h = sched.spawn(t).unwrap();
        assert_eq!(sched.run_until_stalled(), 2);
        assert_eq!(sched.len(), 1);
    }
    // The task went with its storage.
    assert_eq!(sched.len(), 0);
    sched.run();
}

#[test]
fn dropping_the_scheduler_first_leaves_tasks_unpolled_and_frees_boxes() {
    let polls = Cell::new(0);
    let boxed_dropped = Rc::new(Cell::new(false));
    let mut task = Box::pin(Task::new(async {
        polls.set(polls.get() + 1);
        std::future::pending::<()>().await;
    }));
    {
        let sched: Scheduler<2> = Scheduler::new();
        let _h = sched.spawn(task.as_mut()).unwrap();
        let flag = DropFlag(boxed_dropped.clone());
        sched
            .spawn_boxed(async move {
                let _flag = flag;
                std::future::pending::<()>().await;
            })
            .unwrap();
        assert_eq!(sched.run_until_stalled(), 2);
        assert_eq!(polls.get(), 1);
    }
    // The boxed task went with its scheduler; the pinned one is intact and can
    // move on to another scheduler.
    assert!(boxed_dropped.get());
    let sched: Scheduler<2> = Scheduler::new();
    let h = sched.spawn(task.as_mut()).unwrap();
    assert!(!h.is_finished());
    sched.run_until_stalled();
    assert_eq!(polls.get(), 1, "the future resumes where it was");
}

#[test]
fn run_queue_serves_one_scheduler_at_a_time() {
    static READY: RunQueue<2> = RunQueue::new();
    let a = Scheduler::with_run_queue(&READY).unwrap();
    assert!(Scheduler::with_run_queue(&READY).is_err());
    // Leave a stale wake-up behind.
    let t = pin!(Task::new(async {
        yield_now().await;
    }));
    let _h = a.spawn(t).unwrap();
    a.run_until_stalled();
    drop(a);
    let b = Scheduler::with_run_queue(&READY).unwrap();
    let t = pin!(Task::new(async { 1 }));
    let mut h = b.spawn(t).unwrap();
    b.run();
    assert_eq!(h.try_take(), Some(1));
}

#[test]
fn run_until_stalled_leaves_waiting_tasks() {
    static GO: Event<ParkingRawMutex> = Event::new();
    let sched: Scheduler<1> = Scheduler::new();
    let t = pin!(Task::new(async {
        GO.wait().await;
        "went"
    }));
    let mut h = sched.spawn(t).unwrap();
    assert_eq!(sched.run_until_stalled(), 1);
    assert_eq!(sched.len(), 1);
    GO.set();
    assert_eq!(sched.run_until_stalled(), 1);
    assert_eq!(h.try_take(), Some("went"));
}

#[test]
fn wakes_from_other_threads_unpark_an_idle_scheduler() {
    let go: Arc<Event<ParkingRawMutex>> = Arc::new(Event::new());
    let sched: Scheduler<2> = Scheduler::new();
    let t = pin!(Task::new(async {
        go.wait().await;
        1
    }));
    let mut h = sched.spawn(t).unwrap();
    let setter = {
        let go = go.clone();
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(50));
            go.set();
        })
    };
    sched.run();
    setter.join().unwrap();
    assert_eq!(h.try_take(), Some(1));
}

#[test]
fn the_idle_hook_runs_only_when_nothing_is_ready() {
    // An idle hook that parks: a scheduler waiting 50 ms calls it a handful of
    // times (spurious unparks), not millions (a busy loop).
    let go: Arc<Event<ParkingRawMutex>> = Arc::new(Event::new());
    let sched: Scheduler<2> = Scheduler::new();
    let t = pin!(Task::new(async {
        for _ in 0..100 {
            yield_now().await;
        }
        go.wait().await;
    }));
    sched.spawn(t).unwrap();
    let me = thread::current();
    let setter = {
        let go = go.clone();
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(50));
            go.set();
            me.unpark();
        })
    };
    let idles = AtomicUsize::new(0);
    sched.run_with(|| {
        idles.fetch_add(1, Ordering::Relaxed);
        thread::park_timeout(Duration::from_millis(20));
    });
    setter.join().unwrap();
    let idles = idles.load(Ordering::Relaxed);
    assert!((1..20).contains(&idles), "idle hook ran {idles} times");
}

#[test]
fn many_tasks_interleave_fairly() {
    const N: usize = 16;
    let counts: [Cell<u32>; N] = Default::default();
    let order = RefCell::new(Vec::new());
    let sched: Scheduler<N> = Scheduler::new();
    let pool = pin!(TaskPool::<_, N>::new());
    let pool = pool.into_ref();
    for i in 0..N {
        let (counts, order) = (&counts, &order);
        pool.spawn(&sched, async move {
            for _ in 0..10 {
                counts[i].set(counts[i].get() + 1);
                order.borrow_mut().push(i);
                yield_now().await;
            }
        })
        .unwrap();
    }
    sched.run();
    assert!(counts.iter().all(|c| c.get() == 10));
    let order = order.borrow();
    for (k, &i) in order.iter().enumerate() {
        assert_eq!(i, k % N, "round-robin order broken at {k}");
    }
}

mod no_heap {
    //! The heap-free path allocates nothing: a `static` run queue, pinned tasks, a
    //! bounded queue between them, yields, a join and a cancel.

    use super::*;

    use spindle_core::queue::Queue;
    use spindle_core::raw::NoopRawMutex;
    use spindle_core::wait::SpinRelax;
    use spindle_test_support::CountingAlloc;

    #[global_allocator]
    static GLOBAL: CountingAlloc = CountingAlloc::new();

    async fn producer(q: &Queue<NoopRawMutex, u32, 2>, n: u32) {
        for i in 0..n {
            q.send(i).await.unwrap();
            yield_now().await;
        }
        q.close();
    }

    async fn consumer(q: &Queue<NoopRawMutex, u32, 2>) -> u32 {
        let mut sum = 0;
        while let Ok(v) = q.recv().await {
            sum += v;
        }
        sum
    }

    #[test]
    fn the_static_path_never_allocates() {
        static READY: RunQueue<4> = RunQueue::new();
        let ((), allocs) = GLOBAL.count(|| {
            let q = Queue::<NoopRawMutex, u32, 2>::new();
            let sched = Scheduler::with_run_queue(&READY).unwrap();
            let p = pin!(Task::new(producer(&q, 100)));
            let c = pin!(Task::new(consumer(&q)));
            let stuck = pin!(Task::new(std::future::pending::<()>()));
            sched.spawn(p).unwrap();
            let mut sum = sched.spawn(c).unwrap();
            let stuck = sched.spawn(stuck).unwrap();
            assert!(sched.run_until_stalled() > 100);
            stuck.cancel();
            sched.run_with(SpinRelax);
            assert_eq!(sum.try_take(), Some(4950));
            assert_eq!(
                spindle_core::wait::block_on_with(stuck, SpinRelax),
                Err(TaskJoinError::Cancelled)
            );
        });
        assert_eq!(allocs, 0);
    }
}

/// The idle hook of `run_with` blocks on a channel that only the scheduler's
/// `Unpark` feeds: a task woken from another thread must end that wait (a lost
/// signal hangs, which `within` turns into a failure).
#[test]
fn an_unpark_ends_the_idle_hook_when_another_thread_wakes_a_task() {
    use spindle_core::sync::Oneshot;
    use std::sync::mpsc;

    spindle_test_support::within(Duration::from_secs(5), || {
        let (signal, signalled) = mpsc::channel::<()>();
        let signal = std::sync::Mutex::new(signal);
        let sched: Scheduler<2> = Scheduler::with_unpark(move || {
            let _ = signal.lock().unwrap().send(());
        });
        let answer = Arc::new(Oneshot::<ParkingRawMutex, u32>::new());
        let got = Rc::new(Cell::new(None));
        let (a, g) = (answer.clone(), got.clone());
        sched
            .spawn_boxed(async move { g.set(Some(a.recv().await)) })
            .unwrap();
        assert_eq!(
            sched.run_until_stalled(),
            1,
            "the task waits for its answer"
        );
        // The answer is sent only once the scheduler idles.
        let (idle, idled) = mpsc::channel::<()>();
        let sender = thread::spawn(move || {
            idled.recv().unwrap();
            answer.send(42).unwrap();
        });
        sched.run_with(|| {
            let _ = idle.send(());
            signalled.recv().unwrap();
        });
        sender.join().unwrap();
        assert_eq!(got.get(), Some(Ok(42)));
    });
}

/// A scheduler that is busy is not signalled: only a wake that finds it idle
/// calls the `Unpark` (a task waking itself while it runs costs nothing).
#[test]
fn unpark_is_called_only_for_wakes_that_find_the_scheduler_idle() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let sched: Scheduler<2> = Scheduler::with_unpark(move || {
        c.fetch_add(1, Ordering::SeqCst);
    });
    sched
        .spawn_boxed(async {
            for _ in 0..10 {
                yield_now().await; // self-wakes while running: no signal
            }
        })
        .unwrap();
    sched.run_with(|| {});
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}
