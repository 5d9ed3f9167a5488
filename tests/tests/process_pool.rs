//! Recipe 12.8 with real processes: `spindle_std::process::ProcessPool` running the
//! `process_probe` binary's tasks. Every way a worker can die fails only its own
//! task, saying how, and the pool carries on; timeouts, bad frames, shutdown,
//! threads in the parent, and a parent killed with SIGKILL.
#![cfg(unix)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use spindle_std::pool::{Shutdown, TaskError, TaskState};
use spindle_std::process::{
    BuildError, FrameError, ProcessPool, SubmitError, WorkerError, WorkerExit,
};
use spindle_tests::process_tasks::*;

const PROBE: &str = env!("CARGO_BIN_EXE_process_probe");

fn pool(workers: usize) -> ProcessPool {
    ProcessPool::builder()
        .workers(workers)
        .program(PROBE)
        .build()
        .expect("the probe starts")
}

fn died(how: WorkerExit) -> Result<(), TaskError> {
    Err(TaskError::Worker(WorkerError::Died(how)))
}

#[test]
fn submit_map_and_callbacks() {
    let p = pool(2);
    assert_eq!(p.submit(SQUARE, 12).unwrap().result(), Ok(144));
    let out: Vec<_> = p.map(SQUARE, 0..50u64).chunk_size(7).collect();
    assert_eq!(out, (0..50u64).map(|n| Ok(n * n)).collect::<Vec<_>>());

    let calls = Arc::new(AtomicUsize::new(0));
    let h = p.submit(SQUARE, 3).unwrap();
    let c = calls.clone();
    h.add_done_callback(move |s| {
        assert_eq!(s, TaskState::Completed);
        c.fetch_add(1, Ordering::SeqCst);
    });
    h.wait();
    assert!(h.is_done());
    assert_eq!(h.result_timeout(Duration::from_secs(30)), Ok(9));
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    let fut = p.submit(SQUARE, 5).unwrap();
    assert_eq!(spindle_core::wait::block_on(fut), Ok(25));
}

#[test]
fn map_keeps_order_and_reports_panics_per_item() {
    let p = pool(2);
    let msgs = ["a", "", "c"].map(String::from);
    let out: Vec<_> = p.map(FAIL, msgs).chunk_size(2).collect();
    assert_eq!(
        out,
        [
            Err(TaskError::Panicked("a".into())),
            Err(TaskError::Panicked("".into())),
            Err(TaskError::Panicked("c".into())),
        ]
    );
    let slow_first: Vec<_> = p.map(SLEEP_MS, [60, 0, 30, 0]).collect();
    assert_eq!(slow_first, [Ok(60), Ok(0), Ok(30), Ok(0)]);
}

#[test]
fn a_panicking_task_fails_alone_and_the_worker_lives() {
    let p = pool(1);
    let before = p.submit(PID, ()).unwrap().result().unwrap();
    let bad = p.submit(FAIL, "no such host".into()).unwrap();
    assert_eq!(
        bad.result(),
        Err(TaskError::Panicked("no such host".into()))
    );
    assert_eq!(p.submit(PID, ()).unwrap().result(), Ok(before));
}

/// Submits `crash` between good tasks on a pool of 2 and checks that only it
/// fails, with `expected`, and that the pool replaces the worker.
fn crash_fails_only_its_task(
    crash: impl FnOnce(&ProcessPool) -> Result<(), TaskError>,
    expected: WorkerExit,
) {
    let p = pool(2);
    let pids_before = p.worker_pids();
    let slow = p.submit(SLEEP_MS, 200).unwrap();
    let crashed = crash(&p);
    let after: Vec<_> = (0..6u64).map(|n| p.submit(SQUARE, n).unwrap()).collect();
    assert_eq!(crashed, died(expected));
    assert_eq!(slow.result(), Ok(200));
    for (n, h) in after.into_iter().enumerate() {
        assert_eq!(h.result(), Ok((n * n) as u64));
    }
    let pid = p.submit(PID, ()).unwrap().result().unwrap();
    assert!(p.worker_pids().contains(&pid));
    assert_ne!(
        p.worker_pids(),
        pids_before,
        "a new worker replaced the dead one"
    );
}

/// One test per way a task can kill its worker: `name`, the task and its
/// argument, and how the pool must report the death.
macro_rules! crash_test {
    ($($name:ident: $task:expr, $arg:expr => $exit:expr;)*) => {$(
        #[test]
        fn $name() {
            crash_fails_only_its_task(|p| p.submit($task, $arg).unwrap().result(), $exit);
        }
    )*};
}

crash_test! {
    abort_is_reported_as_sigabrt: ABORT, () => WorkerExit::Signaled(6);
    sigkill_is_reported_as_sigkill: SIGKILL_SELF, () => WorkerExit::Signaled(9);
    segfault_is_reported_as_sigsegv: SEGFAULT, () => WorkerExit::Signaled(11);
    exit_code_is_reported: EXIT, 3 => WorkerExit::Exited(3);
}

#[test]
fn a_worker_killed_from_outside_mid_task() {
    let p = pool(1);
    let victim = p.worker_pids()[0];
    let h = p.submit(SLEEP_MS, 60_000).unwrap();
    let queued: Vec<_> = (0..5u64).map(|n| p.submit(SQUARE, n).unwrap()).collect();
    while h.state() != TaskState::Running {
        std::thread::yield_now();
    }
    kill(Pid::from_raw(victim as i32), Signal::SIGKILL).unwrap();
    assert_eq!(h.result().map(|_| ()), died(WorkerExit::Signaled(9)));
    for (n, q) in queued.into_iter().enumerate() {
        assert_eq!(q.result(), Ok((n * n) as u64));
    }
    assert_ne!(p.worker_pids(), [victim]);
}

#[test]
fn the_error_says_how_the_worker_died() {
    let e = TaskError::Worker(WorkerError::Died(WorkerExit::Signaled(9)));
    assert!(e.to_string().contains("signal 9 (SIGKILL)"), "{e}");
    let e = TaskError::Worker(WorkerError::Died(WorkerExit::Exited(3)));
    assert!(e.to_string().contains("exited with status 3"), "{e}");
}

#[test]
fn a_task_past_its_timeout_is_killed() {
    let p = ProcessPool::builder()
        .workers(1)
        .program(PROBE)
        .task_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let first = p.worker_pids();
    let h = p.submit(SLEEP_MS, 60_000).unwrap();
    assert_eq!(
        h.result(),
        Err(TaskError::Worker(WorkerError::TimedOut(
            Duration::from_millis(300)
        )))
    );
    assert_eq!(p.submit(SQUARE, 7).unwrap().result(), Ok(49));
    assert_ne!(p.worker_pids(), first);
}

#[test]
fn oversize_argument_is_refused_and_given_back() {
    let p = ProcessPool::builder()
        .workers(1)
        .program(PROBE)
        .frame_limit(1024)
        .build()
        .unwrap();
    let big = vec![1u8; 4096];
    match p.submit(LEN, big.clone()) {
        Err(SubmitError::Encode(arg, FrameError::TooLarge { limit: 1024, .. })) => {
            assert_eq!(arg, big)
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    assert_eq!(p.submit(LEN, vec![1; 100]).unwrap().result(), Ok(100));
}

#[test]
fn oversize_result_fails_its_task() {
    let p = ProcessPool::builder()
        .workers(1)
        .program(PROBE)
        .frame_limit(1024)
        .build()
        .unwrap();
    let r = p.submit(BYTES, 4096).unwrap().result();
    assert!(
        matches!(r, Err(TaskError::Worker(WorkerError::BadResult(_)))),
        "{r:?}"
    );
    assert_eq!(p.submit(BYTES, 10).unwrap().result(), Ok(vec![7; 10]));
}

fn rogue(mode: &str) -> ProcessPool {
    ProcessPool::builder()
        .workers(1)
        .program(PROBE)
        .args(["rogue", mode])
        .build()
        .expect("the rogue handshakes")
}

#[test]
fn a_malformed_reply_fails_the_task() {
    let r = rogue("garbage").submit(SQUARE, 1).unwrap().result();
    assert!(
        matches!(
            r,
            Err(TaskError::Worker(WorkerError::Frame(
                FrameError::Malformed(_)
            )))
        ),
        "{r:?}"
    );
}

#[test]
fn an_oversize_reply_header_fails_the_task_without_allocating_it() {
    let r = rogue("oversize").submit(SQUARE, 1).unwrap().result();
    assert_eq!(
        r,
        Err(TaskError::Worker(WorkerError::Frame(
            FrameError::TooLarge {
                len: 1 << 30,
                limit: spindle_std::process::codec::DEFAULT_FRAME_LIMIT,
            }
        )))
    );
}

#[test]
fn a_reply_for_another_task_fails_the_task() {
    let r = rogue("wrong-id").submit(SQUARE, 1).unwrap().result();
    assert!(
        matches!(r, Err(TaskError::Worker(WorkerError::Frame(_)))),
        "{r:?}"
    );
}

#[test]
fn workers_that_cannot_start_fail_the_build_at_once() {
    let missing = ProcessPool::builder()
        .workers(1)
        .program("/nonexistent/spindle-worker")
        .build();
    assert!(matches!(missing, Err(BuildError::Start(_))), "{missing:?}");
    let silent = ProcessPool::builder()
        .workers(1)
        .program(PROBE)
        .args(["rogue", "silent"])
        .start_timeout(Duration::from_millis(300))
        .build();
    assert!(matches!(silent, Err(BuildError::Start(_))), "{silent:?}");
    let other = ProcessPool::builder()
        .workers(1)
        .program(PROBE)
        .args(["rogue", "not-a-worker"])
        .build();
    assert!(matches!(other, Err(BuildError::Start(_))), "{other:?}");
    // This test binary never called `init`: re-running it as a worker is refused.
    assert!(matches!(
        ProcessPool::new(1),
        Err(BuildError::NotInitialized)
    ));
    assert!(matches!(ProcessPool::new(0), Err(BuildError::ZeroWorkers)));
}

#[test]
fn an_unknown_task_fails_with_its_name() {
    let r = pool(1).submit(UNREGISTERED, 1).unwrap().result();
    assert_eq!(
        r,
        Err(TaskError::Worker(WorkerError::UnknownTask(
            "no_such_task".into()
        )))
    );
}

#[test]
fn the_initializer_runs_in_every_worker_and_its_failure_is_reported() {
    let p = ProcessPool::builder()
        .workers(2)
        .program(PROBE)
        .initializer(SET_GREETING, "hello".to_string())
        .build()
        .unwrap();
    for h in (0..4).map(|_| p.submit(GREETING_TASK, ()).unwrap()) {
        assert_eq!(h.result(), Ok(Some("hello".to_string())));
    }
    let bad = ProcessPool::builder()
        .workers(1)
        .program(PROBE)
        .initializer(SET_GREETING, String::new())
        .build();
    assert!(
        matches!(&bad, Err(BuildError::Init(m)) if m.contains("empty greeting")),
        "{bad:?}"
    );
}

#[test]
fn max_tasks_per_child_replaces_workers() {
    let p = ProcessPool::builder()
        .workers(1)
        .program(PROBE)
        .max_tasks_per_child(2)
        .build()
        .unwrap();
    let pids: Vec<u32> = (0..4)
        .map(|_| p.submit(PID, ()).unwrap().result().unwrap())
        .collect();
    assert_eq!(pids[0], pids[1]);
    assert_eq!(pids[2], pids[3]);
    assert_ne!(pids[1], pids[2]);
}

#[test]
fn cancel_a_queued_task() {
    let p = pool(1);
    let busy = p.submit(SLEEP_MS, 100).unwrap();
    let queued = p.submit(SQUARE, 2).unwrap();
    assert!(queued.cancel());
    assert_eq!(queued.state(), TaskState::Cancelled);
    assert_eq!(busy.result(), Ok(100));
    assert_eq!(queued.result(), Err(TaskError::Cancelled));
}

#[test]
fn shutdown_cancelling_pending_tasks_resolves_every_handle() {
    let p = pool(1);
    let running = p.submit(SLEEP_MS, 200).unwrap();
    while running.state() != TaskState::Running {
        std::thread::yield_now();
    }
    let pending: Vec<_> = (0..5).map(|n| p.submit(SQUARE, n).unwrap()).collect();
    p.shutdown(Shutdown::wait().cancel_pending());
    assert_eq!(running.result(), Ok(200));
    for h in pending {
        assert_eq!(h.result(), Err(TaskError::Cancelled));
    }
    assert!(p.worker_pids().is_empty());
    match p.submit(SQUARE, 9) {
        Err(SubmitError::ShutDown(9)) => {}
        other => panic!("expected ShutDown(9), got {other:?}"),
    }
}

#[test]
fn shutdown_without_cancel_runs_what_is_queued() {
    let p = pool(2);
    let hs: Vec<_> = (0..10u64).map(|n| p.submit(SQUARE, n).unwrap()).collect();
    p.shutdown(Shutdown::no_wait());
    for (n, h) in hs.into_iter().enumerate() {
        assert_eq!(h.result(), Ok((n * n) as u64));
    }
}

#[test]
fn a_pool_in_a_program_that_already_runs_threads() {
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let spinners: Vec<_> = (0..4)
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let m = std::sync::Mutex::new(0u64);
                while !stop.load(Ordering::Relaxed) {
                    *m.lock().unwrap() += 1; // a held lock at any fork would deadlock a child
                }
            })
        })
        .collect();
    let p = pool(2);
    let hs: Vec<_> = (0..20u64).map(|n| p.submit(SQUARE, n).unwrap()).collect();
    let from_threads: Vec<_> = (0..4u64)
        .map(|n| {
            let p = &p;
            std::thread::scope(|s| {
                s.spawn(move || p.submit(SQUARE, n).unwrap().result())
                    .join()
                    .unwrap()
            })
        })
        .collect();
    for (n, h) in hs.into_iter().enumerate() {
        assert_eq!(h.result(), Ok((n * n) as u64));
    }
    assert_eq!(
        from_threads,
        (0..4u64).map(|n| Ok(n * n)).collect::<Vec<_>>()
    );
    stop.store(true, Ordering::Relaxed);
    spinners.into_iter().for_each(|t| t.join().unwrap());
}

fn is_gone(pid: u32) -> bool {
    // Gone, or a zombie left for a reaper that is not us.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
    }
}

#[test]
fn workers_exit_when_their_parent_is_killed() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let mut parent = Command::new(PROBE)
        .arg("parent")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(parent.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let pids: Vec<u32> = line
        .trim()
        .strip_prefix("pids ")
        .expect(&line)
        .split(' ')
        .map(|p| p.parse().unwrap())
        .collect();
    assert_eq!(pids.len(), 2);
    assert!(pids.iter().all(|&p| !is_gone(p)));
    parent.kill().unwrap(); // SIGKILL: no cleanup runs in the parent
    parent.wait().unwrap();
    // The workers notice the closed pipe mid-task (their tasks sleep two minutes).
    let deadline = Instant::now() + Duration::from_secs(60);
    while !pids.iter().all(|&p| is_gone(p)) {
        assert!(
            Instant::now() < deadline,
            "workers {pids:?} outlived their parent"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
