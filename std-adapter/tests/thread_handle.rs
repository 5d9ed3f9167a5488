//! spindle_std::thread: spawning, names, stack sizes, joining with and without a
//! timeout, panics as values, daemon (detached) threads and the started event.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use spindle_std::sync::Event;
use spindle_std::thread::{spawn, Builder, JoinError, SpawnError};

const PATIENCE: Duration = Duration::from_secs(10);

#[test]
fn builder_names_and_sizes_the_thread() {
    let t = Builder::new()
        .name("worker-7")
        .stack_size(4 << 20)
        .spawn(|| {
            // A deep-ish recursion that a 4 MiB stack holds comfortably.
            fn depth(n: u32) -> u32 {
                let pad = std::hint::black_box([0u8; 512]);
                if n == 0 {
                    u32::from(pad[0])
                } else {
                    depth(n - 1) + 1
                }
            }
            (
                std::thread::current().name().map(str::to_owned),
                depth(2000),
            )
        })
        .unwrap();
    assert_eq!(t.name(), Some("worker-7"));
    let (name, depth) = t.join().unwrap();
    assert_eq!(name.as_deref(), Some("worker-7"));
    assert_eq!(depth, 2000);
}

#[test]
fn a_nul_in_the_name_is_an_error_not_a_panic() {
    let err = Builder::new().name("bad\0name").spawn(|| ()).unwrap_err();
    assert!(matches!(err, SpawnError::InvalidName));
    assert!(err.to_string().contains("NUL"));
}

#[test]
fn unnamed_threads_have_no_name() {
    let t = spawn(|| std::thread::current().name().map(str::to_owned)).unwrap();
    assert_eq!(t.name(), None);
    assert_eq!(t.join().unwrap(), None);
}

#[test]
fn is_alive_follows_the_closure() {
    let go = Arc::new(Event::new());
    let g = Arc::clone(&go);
    let mut t = spawn(move || {
        g.wait_blocking();
        5
    })
    .unwrap();
    assert!(t.is_alive());
    go.set();
    assert_eq!(t.join_timeout(PATIENCE), Ok(5));
    assert!(!t.is_alive());
}

#[test]
fn is_alive_turns_false_without_a_join() {
    let t = spawn(|| ()).unwrap();
    let t0 = Instant::now();
    while t.is_alive() {
        assert!(t0.elapsed() < PATIENCE, "the thread never finished");
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(t.join(), Ok(()));
}

#[test]
fn join_timeout_times_out_then_succeeds() {
    let go = Arc::new(Event::new());
    let g = Arc::clone(&go);
    let mut t = spawn(move || {
        g.wait_blocking();
        "done"
    })
    .unwrap();
    let t0 = Instant::now();
    assert_eq!(
        t.join_timeout(Duration::from_millis(20)),
        Err(JoinError::TimedOut)
    );
    assert!(t0.elapsed() >= Duration::from_millis(20));
    assert!(t.is_alive());
    go.set();
    assert_eq!(t.join_timeout(PATIENCE), Ok("done"));
    assert_eq!(t.join_timeout(PATIENCE), Err(JoinError::AlreadyJoined));
    assert_eq!(t.join(), Err(JoinError::AlreadyJoined));
}

#[test]
fn a_panic_comes_back_as_a_value() {
    let t = Builder::new()
        .name("doomed")
        .spawn(|| -> u8 { panic!("bad input {}", 42) })
        .unwrap();
    let err = t.join().unwrap_err();
    assert_eq!(
        err,
        JoinError::Panicked {
            thread: Some("doomed".into()),
            message: "bad input 42".into()
        }
    );
    assert_eq!(err.to_string(), "thread 'doomed' panicked: bad input 42");
}

#[test]
fn a_panic_is_seen_by_join_timeout_and_is_alive() {
    let mut t = spawn(|| -> () { std::panic::panic_any(17_u32) }).unwrap();
    match t.join_timeout(PATIENCE) {
        Err(JoinError::Panicked { thread, message }) => {
            assert_eq!(thread, None);
            assert!(message.contains("non-string"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(!t.is_alive());
}

#[test]
fn detached_threads_run_on() {
    let (tx, rx) = mpsc::channel();
    let t = Builder::new()
        .name("daemon")
        .spawn(move || {
            std::thread::sleep(Duration::from_millis(10));
            let _ = tx.send(std::thread::current().name().map(str::to_owned));
        })
        .unwrap();
    t.detach();
    assert_eq!(
        rx.recv_timeout(PATIENCE).unwrap().as_deref(),
        Some("daemon")
    );
}

#[test]
fn spawn_started_waits_for_the_signal() {
    let log = Arc::new(spindle_std::sync::Mutex::new(Vec::new()));
    let hold = Arc::new(Event::new());
    let (l, h) = (Arc::clone(&log), Arc::clone(&hold));
    let t = Builder::new()
        .name("countdown")
        .spawn_started(move |started| {
            l.with_lock(|l| l.push("countdown starting"));
            started.set();
            h.wait_blocking();
            l.with_lock(|l| l.push("T-minus 1"));
        })
        .unwrap();
    t.wait_started();
    assert!(t.is_started());
    log.with_lock(|l| l.push("countdown is running"));
    hold.set();
    t.join().unwrap();
    assert_eq!(
        log.with_lock(|l| l.clone()),
        ["countdown starting", "countdown is running", "T-minus 1"]
    );
}

#[test]
fn started_is_not_set_before_the_signal() {
    let release = Arc::new(Event::new());
    let r = Arc::clone(&release);
    let mut t = Builder::new()
        .spawn_started(move |started| {
            r.wait_blocking();
            started.set();
        })
        .unwrap();
    assert_eq!(
        t.wait_started_timeout(Duration::from_millis(20)),
        Err(spindle_std::sync::WaitTimeoutError::TimedOut)
    );
    assert!(!t.is_started());
    release.set();
    assert_eq!(t.wait_started_timeout(PATIENCE), Ok(()));
    assert_eq!(t.join_timeout(PATIENCE), Ok(()));
}

#[test]
fn a_dropped_or_panicking_signal_still_counts_as_started() {
    let t = Builder::new().spawn_started(|_started| ()).unwrap();
    assert_eq!(t.wait_started_timeout(PATIENCE), Ok(()));
    t.join().unwrap();

    let t = Builder::new()
        .spawn_started(|started| {
            let _keep = started;
            panic!("before starting");
        })
        .unwrap();
    assert_eq!(t.wait_started_timeout(PATIENCE), Ok(()));
    assert!(matches!(t.join(), Err(JoinError::Panicked { .. })));
}

#[test]
fn plain_spawn_counts_as_started_when_the_closure_runs() {
    let ran = Arc::new(AtomicBool::new(false));
    let r = Arc::clone(&ran);
    let go = Arc::new(Event::new());
    let g = Arc::clone(&go);
    let t = spawn(move || {
        r.store(true, Ordering::SeqCst);
        g.wait_blocking();
    })
    .unwrap();
    t.wait_started();
    go.set();
    t.join().unwrap();
    assert!(ran.load(Ordering::SeqCst));
}

#[test]
fn many_threads_spawn_and_join() {
    let handles: Vec<_> = (0..32u64)
        .map(|i| {
            Builder::new()
                .name(format!("n{i}"))
                .spawn(move || i * i)
                .unwrap()
        })
        .collect();
    let sum: u64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(sum, (0..32u64).map(|i| i * i).sum::<u64>());
}

#[test]
fn the_handle_knows_the_thread() {
    let t = spawn(|| std::thread::current().id()).unwrap();
    let id = t.id();
    assert_eq!(t.thread().id(), id);
    assert!(format!("{t:?}").contains("JoinHandle"));
    assert_eq!(t.join().unwrap(), id);
}
