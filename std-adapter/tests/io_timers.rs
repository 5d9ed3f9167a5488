//! `spindle_std::io` time: sleeps wake in deadline order (equal deadlines in the
//! order they were set), `timeout` picks the first of future and time, dropped
//! sleeps cancel their timers, and an idle scheduler blocks in the OS poll
//! instead of spinning.
#![cfg(unix)]

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

use spindle_core::sched::{yield_now, Scheduler};
use spindle_std::io::{Elapsed, Reactor};

#[test]
fn sleeps_wake_in_deadline_order() {
    let reactor = Reactor::new().unwrap();
    let sched: Scheduler<8> = Scheduler::new();
    let order = Rc::new(RefCell::new(Vec::new()));
    let base = Instant::now();
    // Spawned out of order; two share a deadline.
    for (name, ms) in [("c", 30), ("a", 10), ("b1", 20), ("b2", 20), ("now", 0)] {
        let (r, order) = (reactor.clone(), order.clone());
        sched
            .spawn_boxed(async move {
                r.sleep_until(base + Duration::from_millis(ms)).await;
                order.borrow_mut().push(name);
            })
            .unwrap();
    }
    reactor.run(&sched);
    assert_eq!(*order.borrow(), ["now", "a", "b1", "b2", "c"]);
    assert!(Instant::now() >= base + Duration::from_millis(30));
    assert_eq!(reactor.pending(), (0, 0));
}

#[test]
fn timeout_gives_the_first_of_future_and_time() {
    let reactor = Reactor::new().unwrap();
    let sched: Scheduler<4> = Scheduler::new();
    let results = Rc::new(RefCell::new(Vec::new()));
    let (r, res) = (reactor.clone(), results.clone());
    sched
        .spawn_boxed(async move {
            let far = Instant::now() + Duration::from_secs(3600);
            // Time runs out first.
            let a = r
                .timeout(Duration::from_millis(5), r.sleep_until(far))
                .await;
            // The future finishes first.
            let b = r
                .timeout(Duration::from_secs(3600), async {
                    yield_now().await;
                    7
                })
                .await;
            // Ready at once beats even a zero limit.
            let c = r.timeout(Duration::ZERO, async { 8 }).await;
            // A zero limit on something pending elapses.
            let d = r.timeout(Duration::ZERO, r.sleep_until(far)).await;
            res.borrow_mut()
                .extend([a.map(|()| 0), b, c, d.map(|()| 0)]);
        })
        .unwrap();
    reactor.run(&sched);
    assert_eq!(
        *results.borrow(),
        [Err(Elapsed), Ok(7), Ok(8), Err(Elapsed)]
    );
    // The losers' timers are gone.
    assert_eq!(reactor.pending(), (0, 0));
}

#[test]
fn a_dropped_sleep_cancels_its_timer() {
    let reactor = Reactor::new().unwrap();
    let sched: Scheduler<2> = Scheduler::new();
    let r = reactor.clone();
    let seen = Rc::new(Cell::new((0, 0)));
    let s = seen.clone();
    sched
        .spawn_boxed(async move {
            let mut long = r.sleep(Duration::from_secs(3600));
            // Poll it once so it registers, then drop it.
            let _ = r.timeout(Duration::from_millis(1), &mut long).await;
            s.set(r.pending());
            drop(long);
        })
        .unwrap();
    reactor.run(&sched);
    assert_eq!(seen.get(), (0, 1), "registered while alive");
    assert_eq!(reactor.pending(), (0, 0), "gone once dropped");
}

#[test]
fn an_idle_scheduler_blocks_in_the_poll_rather_than_spinning() {
    let reactor = Reactor::new().unwrap();
    let sched: Scheduler<1> = Scheduler::new();
    let r = reactor.clone();
    sched
        .spawn_boxed(async move { r.sleep(Duration::from_millis(50)).await })
        .unwrap();
    let mut idles = 0u32;
    sched.run_with(|| {
        idles += 1;
        reactor.turn();
    });
    // One wait, give or take an early return of the OS clock; a spinning loop
    // would idle many thousands of times in 50 ms.
    assert!(idles <= 5, "idled {idles} times");
}

#[test]
fn a_remote_wake_ends_the_wait() {
    let reactor = Reactor::new().unwrap();
    let remote = reactor.remote();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(10));
        remote.wake();
    });
    // No sources, no timers: only the remote wake can end this turn.
    reactor.turn();
    t.join().unwrap();
}

/// A task of `Reactor::scheduler` awaits a core oneshot and a core queue that
/// other threads complete while the reactor is blocked in the OS poll with no
/// sources and no timers: the scheduler's unpark hook must end that wait (without
/// it this hangs, which `within` reports).
#[test]
fn a_task_woken_from_another_thread_ends_the_poll() {
    use spindle_core::queue::Queue;
    use spindle_core::raw::ParkingRawMutex;
    use spindle_core::sync::Oneshot;
    use std::sync::Arc;

    spindle_test_support::within(Duration::from_secs(5), || {
        let reactor = Reactor::new().unwrap();
        let sched: Scheduler<2> = reactor.scheduler();
        let answer = Arc::new(Oneshot::<ParkingRawMutex, u32>::new());
        let jobs = Arc::new(Queue::<ParkingRawMutex, u32, 4>::new());
        let got = Rc::new(Cell::new((None, None)));
        let (a, j, g) = (answer.clone(), jobs.clone(), got.clone());
        sched
            .spawn_boxed(async move {
                let first = a.recv().await.ok();
                let second = j.recv().await.ok();
                g.set((first, second));
            })
            .unwrap();
        let feeder = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            answer.send(1).unwrap();
            std::thread::sleep(Duration::from_millis(20));
            jobs.try_send(2).unwrap();
        });
        reactor.run(&sched);
        feeder.join().unwrap();
        assert_eq!(got.get(), (Some(1), Some(2)));
        assert_eq!(
            reactor.pending(),
            (0, 0),
            "nothing but the poll could wake it"
        );
    });
}
