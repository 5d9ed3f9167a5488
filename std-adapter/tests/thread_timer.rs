//! spindle_std::thread::PeriodicTimer: recipe 12.2's Condition-based timer. Many
//! threads wait for ticks; a missed tick is reported once, never delivered twice;
//! dropping the timer stops it.

use std::time::{Duration, Instant};

use spindle_std::thread::{spawn, PeriodicTimer, Tick, TickError, TimerError};

const TICK: Duration = Duration::from_millis(10);
const PATIENCE: Duration = Duration::from_secs(10);

#[test]
fn a_zero_interval_is_an_error() {
    let err = PeriodicTimer::start(Duration::ZERO).unwrap_err();
    assert!(matches!(err, TimerError::ZeroInterval));
    assert!(err.to_string().contains("non-zero"));
}

#[test]
fn ticks_arrive_in_order() {
    let timer = PeriodicTimer::start(TICK).unwrap();
    assert_eq!(timer.interval(), TICK);
    let mut ticks = timer.listener();
    let mut numbers = Vec::new();
    for _ in 0..4 {
        numbers.push(ticks.wait_for_tick_timeout(PATIENCE).unwrap().number);
    }
    assert!(numbers.windows(2).all(|w| w[0] < w[1]), "{numbers:?}");
    assert!(numbers[0] >= 1);
    assert!(timer.ticks() >= numbers[3]);
    assert_eq!(ticks.last_seen(), numbers[3]);
}

#[test]
fn many_threads_wait_for_the_same_ticks() {
    let timer = PeriodicTimer::start(TICK).unwrap();
    // The book's countdown and countup, plus two more.
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let mut ticks = timer.listener();
            spawn(move || {
                (0..3)
                    .map(|_| ticks.wait_for_tick_timeout(PATIENCE).map(|t| t.number))
                    .collect::<Result<Vec<_>, _>>()
            })
            .unwrap()
        })
        .collect();
    for h in handles {
        let seen = h.join().unwrap().unwrap();
        assert_eq!(seen.len(), 3);
        assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
    }
}

#[test]
fn a_missed_tick_is_delivered_once_not_twice() {
    let timer = PeriodicTimer::start(TICK).unwrap();
    let mut ticks = timer.listener();
    let first = ticks.wait_for_tick_timeout(PATIENCE).unwrap();
    // Busy through several ticks.
    let before = timer.ticks();
    let t0 = Instant::now();
    while timer.ticks() < before + 3 {
        assert!(t0.elapsed() < PATIENCE, "the timer stopped ticking");
        std::thread::sleep(Duration::from_millis(2));
    }
    // The pending tick comes at once, with the rest counted as missed...
    let late = ticks.try_tick().unwrap();
    assert!(late.number >= first.number + 3, "{first:?} {late:?}");
    assert_eq!(late.missed, late.number - first.number - 1);
    // ...and is not delivered again.
    match ticks.try_tick() {
        Err(TickError::NotYet) => {}
        Ok(t) => assert!(t.number > late.number, "{t:?} after {late:?}"),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn a_listener_counts_ticks_from_its_creation() {
    let timer = PeriodicTimer::start(TICK).unwrap();
    let mut early = timer.listener();
    early.wait_for_tick_timeout(PATIENCE).unwrap();
    early.wait_for_tick_timeout(PATIENCE).unwrap();
    let mut late = timer.listener();
    assert_eq!(late.last_seen(), timer.ticks().min(late.last_seen()));
    let t = late.wait_for_tick_timeout(PATIENCE).unwrap();
    assert!(t.number > late.last_seen() - 1);
    let mut copy = late.clone();
    assert_eq!(copy.last_seen(), late.last_seen());
    let next = copy.wait_for_tick_timeout(PATIENCE).unwrap();
    assert!(next.number > t.number);
}

#[test]
fn the_timer_wait_for_tick_waits_for_the_next_one() {
    let timer = PeriodicTimer::start(TICK).unwrap();
    let a = timer.wait_for_tick();
    let b = timer.wait_for_tick();
    assert!(b > a);
}

#[test]
fn waiting_can_time_out() {
    let timer = PeriodicTimer::start(Duration::from_secs(3600)).unwrap();
    let mut ticks = timer.listener();
    assert_eq!(ticks.try_tick(), Err(TickError::NotYet));
    let t0 = Instant::now();
    assert_eq!(
        ticks.wait_for_tick_timeout(Duration::from_millis(20)),
        Err(TickError::TimedOut)
    );
    assert!(t0.elapsed() >= Duration::from_millis(20));
    // And dropping an hour-long timer does not take an hour.
    let t0 = Instant::now();
    drop(timer);
    assert!(t0.elapsed() < PATIENCE);
}

#[test]
fn dropping_the_timer_releases_its_listeners() {
    let timer = PeriodicTimer::start(Duration::from_secs(3600)).unwrap();
    let mut ticks = timer.listener();
    let waiter = spawn(move || ticks.wait_for_tick()).unwrap();
    waiter.wait_started();
    std::thread::sleep(Duration::from_millis(10));
    drop(timer);
    let mut waiter = waiter;
    assert_eq!(waiter.join_timeout(PATIENCE), Ok(Err(TickError::Stopped)));
}

#[test]
fn undelivered_ticks_are_delivered_before_stopped() {
    let timer = PeriodicTimer::start(Duration::from_millis(2)).unwrap();
    let mut ticks = timer.listener();
    let t0 = Instant::now();
    while timer.ticks() < 2 {
        assert!(t0.elapsed() < PATIENCE);
        std::thread::sleep(Duration::from_millis(1));
    }
    drop(timer);
    let tick: Tick = ticks.wait_for_tick().unwrap();
    assert!(tick.number >= 2);
    assert_eq!(ticks.wait_for_tick(), Err(TickError::Stopped));
    assert_eq!(ticks.try_tick(), Err(TickError::Stopped));
}

#[test]
fn async_tick() {
    let timer = PeriodicTimer::start(TICK).unwrap();
    let mut ticks = timer.listener();
    let a = spindle_std::spindle_core::wait::block_on(ticks.tick()).unwrap();
    let b = spindle_std::spindle_core::wait::block_on(ticks.tick()).unwrap();
    assert!(b.number > a.number);
}

#[test]
fn the_timer_thread_ends_with_the_timer() {
    // Many short-lived timers: each drop joins its thread, so none pile up.
    for _ in 0..20 {
        let timer = PeriodicTimer::start(Duration::from_millis(1)).unwrap();
        let _ = timer.listener().wait_for_tick_timeout(PATIENCE);
        assert!(format!("{timer:?}").contains("PeriodicTimer"));
    }
}
