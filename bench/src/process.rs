//! Process cases (recipe 12.8): what one task costs through spindle's
//! [`ProcessPool`] against the simplest alternative, a fresh process per task.
//!
//! - `process/roundtrip`: one tiny task (`n * n`), submit to result, one at a
//!   time; one op = one task. spindle: `pool.submit(SQUARE, n)?.result()` on a warm
//!   pool of one worker (two frames over two pipes, a driver thread in between).
//!   Peer: `std::process::Command` runs this binary with `--square N` and reads the
//!   answer from its stdout (spawn, exec, run, exit, wait).
//!
//! Both need this binary's `main` to call `spindle_std::process::init(registry())`
//! first (it does), so the cases run only from the `spindle-bench` binary.

use super::*;

use std::process::{Command, Stdio};
use std::sync::OnceLock;

use spindle_std::process::{ProcessPool, Registry, Task};

fn square(n: u64) -> u64 {
    n.wrapping_mul(n)
}

/// The task both sides run.
pub const SQUARE: Task<u64, u64> = Task::new("bench.square", square);

/// The bench binary's process tasks, for `init` at the top of its `main`.
pub fn registry() -> Registry {
    Registry::new().with(SQUARE)
}

/// The flag that makes the bench binary a one-shot task process (the peer).
pub const SQUARE_FLAG: &str = "--square";

fn pool() -> &'static ProcessPool {
    static POOL: OnceLock<ProcessPool> = OnceLock::new();
    POOL.get_or_init(|| {
        ProcessPool::new(1).expect("start the process pool (is init called in main?)")
    })
}

/// spindle: submit one task, wait for its result; repeat.
pub fn roundtrip_spindle(iters: u64) -> Duration {
    let pool = pool();
    let t0 = Instant::now();
    for i in 0..iters {
        let r = pool
            .submit(SQUARE, i)
            .expect("submit")
            .result()
            .expect("result");
        assert_eq!(r, square(i));
    }
    t0.elapsed()
}

/// Peer: a fresh process per task.
pub fn roundtrip_command(iters: u64) -> Duration {
    let exe = std::env::current_exe().expect("this executable");
    let t0 = Instant::now();
    for i in 0..iters {
        let out = Command::new(&exe)
            .arg(SQUARE_FLAG)
            .arg(i.to_string())
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .expect("spawn the task process");
        let r: u64 = std::str::from_utf8(&out.stdout)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .expect("the task process prints its answer");
        assert_eq!(r, square(i));
    }
    t0.elapsed()
}

/// The peer's task process: `--square N` prints `N * N`.
pub fn run_square_flag(arg: Option<&str>) -> Option<u64> {
    arg.and_then(|a| a.parse().ok()).map(square)
}
