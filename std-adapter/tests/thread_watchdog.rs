//! spindle_std::thread::Watchdog: the deadlock watchdog of recipe 12.5's
//! discussion. Silent threads are reported by name, once per silence.

use std::sync::mpsc::{self, Receiver};
use std::sync::Arc;
use std::time::{Duration, Instant};

use spindle_std::sync::Event;
use spindle_std::thread::{Builder, Watchdog};

const PATIENCE: Duration = Duration::from_secs(10);

fn watchdog() -> (Watchdog, Receiver<(String, Duration)>) {
    let (tx, rx) = mpsc::channel();
    let dog = Watchdog::with_handler(move |name: &str, silent: Duration| {
        let _ = tx.send((name.to_owned(), silent));
    })
    .unwrap();
    (dog, rx)
}

#[test]
fn a_silent_thread_is_reported_by_name() {
    let (dog, rx) = watchdog();
    let stuck = Arc::new(Event::new());
    let s = Arc::clone(&stuck);
    let pet = dog.register("worker-1", Duration::from_millis(20));
    assert_eq!(pet.name(), "worker-1");
    assert_eq!(pet.timeout(), Duration::from_millis(20));
    // The worker pets once, then "deadlocks" on an event nobody sets in time.
    let worker = Builder::new()
        .spawn(move || {
            pet.pet();
            s.wait_blocking();
            drop(pet);
        })
        .unwrap();
    let (name, silent) = rx.recv_timeout(PATIENCE).unwrap();
    assert_eq!(name, "worker-1");
    assert!(silent >= Duration::from_millis(20), "{silent:?}");
    stuck.set();
    worker.join().unwrap();
}

#[test]
fn a_petting_thread_is_not_reported() {
    let (dog, rx) = watchdog();
    let silent = dog.register("silent", Duration::from_millis(20));
    let busy = dog.register("busy", Duration::from_millis(150));
    // `busy` pets every few milliseconds (well within its timeout); `silent` never.
    for _ in 0..20 {
        busy.pet();
        std::thread::sleep(Duration::from_millis(5));
    }
    let (name, _) = rx.recv_timeout(PATIENCE).unwrap();
    assert_eq!(name, "silent");
    drop(silent);
    drop(busy);
    assert!(rx.try_iter().all(|(n, _)| n != "busy"));
}

#[test]
fn each_silence_is_reported_once_and_petting_rearms() {
    let (dog, rx) = watchdog();
    let pet = dog.register("flaky", Duration::from_millis(15));
    assert_eq!(rx.recv_timeout(PATIENCE).unwrap().0, "flaky");
    // Still silent: no second report for the same silence.
    assert!(rx.recv_timeout(Duration::from_millis(60)).is_err());
    // A pet re-arms it; the next silence is reported again.
    pet.pet();
    let (name, silent) = rx.recv_timeout(PATIENCE).unwrap();
    assert_eq!(name, "flaky");
    assert!(silent >= Duration::from_millis(15));
}

#[test]
fn dropping_the_pet_stops_watching() {
    let (dog, rx) = watchdog();
    let pet = dog.register("short-lived", Duration::from_millis(20));
    assert_eq!(dog.watched(), 1);
    drop(pet);
    assert_eq!(dog.watched(), 0);
    assert!(rx.recv_timeout(Duration::from_millis(60)).is_err());
}

#[test]
fn register_current_uses_the_thread_name() {
    let (dog, rx) = watchdog();
    let dog = Arc::new(dog);
    let d = Arc::clone(&dog);
    let t = Builder::new()
        .name("named-worker")
        .spawn(move || d.register_current(Duration::from_millis(10)))
        .unwrap();
    let pet = t.join().unwrap();
    assert_eq!(pet.name(), "named-worker");
    assert_eq!(rx.recv_timeout(PATIENCE).unwrap().0, "named-worker");
    drop(pet);
}

#[test]
fn a_panicking_handler_does_not_stop_the_watchdog() {
    let (tx, rx) = mpsc::channel();
    let dog = Watchdog::with_handler(move |name: &str, _| {
        if name == "first" {
            panic!("handler bug");
        }
        let _ = tx.send(name.to_owned());
    })
    .unwrap();
    let _a = dog.register("first", Duration::from_millis(5));
    let _b = dog.register("second", Duration::from_millis(30));
    assert_eq!(rx.recv_timeout(PATIENCE).unwrap(), "second");
}

#[test]
fn dropping_the_watchdog_stops_the_monitor() {
    let (dog, rx) = watchdog();
    let pet = dog.register("orphan", Duration::from_millis(20));
    let t0 = Instant::now();
    drop(dog);
    assert!(t0.elapsed() < PATIENCE);
    // The monitor is gone: no report, and petting is harmless.
    pet.pet();
    assert!(rx.recv_timeout(Duration::from_millis(60)).is_err());
}

#[test]
fn a_registration_with_a_shorter_timeout_is_noticed_promptly() {
    let (dog, rx) = watchdog();
    let _long = dog.register("long", Duration::from_secs(3600));
    std::thread::sleep(Duration::from_millis(5)); // the monitor plans an hour's sleep
    let _short = dog.register("short", Duration::from_millis(10));
    let t0 = Instant::now();
    assert_eq!(rx.recv_timeout(PATIENCE).unwrap().0, "short");
    assert!(t0.elapsed() < PATIENCE);
}

#[test]
fn the_default_handler_reports_without_panicking() {
    let dog = Watchdog::new().unwrap();
    let pet = dog.register("stderr-report", Duration::ZERO);
    std::thread::sleep(Duration::from_millis(20));
    assert!(format!("{dog:?} {pet:?}").contains("stderr-report"));
}
