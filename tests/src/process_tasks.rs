//! The tasks the process-pool tests run (`tests/process_pool.rs`), registered by
//! the `process_probe` worker binary: one for each way a task can end.

use std::sync::OnceLock;
use std::time::Duration;

use spindle_std::process::{Registry, Task};

fn square(n: u64) -> u64 {
    n * n
}
fn pid(_: ()) -> u32 {
    std::process::id()
}
fn sleep_ms(ms: u64) -> u64 {
    std::thread::sleep(Duration::from_millis(ms));
    ms
}
fn fail(msg: String) -> u8 {
    panic!("{msg}")
}
fn abort(_: ()) {
    std::process::abort()
}
fn exit(code: i32) {
    std::process::exit(code)
}
#[cfg(unix)]
fn sigkill_self(_: ()) {
    let _ = nix::sys::signal::raise(nix::sys::signal::Signal::SIGKILL);
}
#[cfg(unix)]
fn segfault(_: ()) {
    // Rust's own SIGSEGV handler (stack-overflow detection) returns after resetting
    // the default action for a signal that was not a guard-page fault; the next
    // one kills the process, with SIGSEGV, as a real segfault would.
    loop {
        let _ = nix::sys::signal::raise(nix::sys::signal::Signal::SIGSEGV);
    }
}
fn bytes(n: usize) -> Vec<u8> {
    vec![7; n]
}
fn len(v: Vec<u8>) -> usize {
    v.len()
}

static GREETING: OnceLock<String> = OnceLock::new();

fn set_greeting(s: String) {
    assert!(!s.is_empty(), "empty greeting");
    let _ = GREETING.set(s);
}
fn greeting(_: ()) -> Option<String> {
    GREETING.get().cloned()
}

/// `n * n`.
pub const SQUARE: Task<u64, u64> = Task::new("square", square);
/// The worker's process id.
pub const PID: Task<(), u32> = Task::new("pid", pid);
/// Sleeps `ms` milliseconds and returns `ms`.
pub const SLEEP_MS: Task<u64, u64> = Task::new("sleep_ms", sleep_ms);
/// Panics with the message.
pub const FAIL: Task<String, u8> = Task::new("fail", fail);
/// `std::process::abort()`: SIGABRT.
pub const ABORT: Task<(), ()> = Task::new("abort", abort);
/// `std::process::exit(code)`.
pub const EXIT: Task<i32, ()> = Task::new("exit", exit);
/// Sends itself SIGKILL.
#[cfg(unix)]
pub const SIGKILL_SELF: Task<(), ()> = Task::new("sigkill_self", sigkill_self);
/// Dies of SIGSEGV.
#[cfg(unix)]
pub const SEGFAULT: Task<(), ()> = Task::new("segfault", segfault);
/// `n` bytes (for results over the frame limit).
pub const BYTES: Task<usize, Vec<u8>> = Task::new("bytes", bytes);
/// The length of its argument (for arguments over the frame limit).
pub const LEN: Task<Vec<u8>, usize> = Task::new("len", len);
/// The initializer: stores a greeting in the worker (panics on an empty one).
pub const SET_GREETING: Task<String, ()> = Task::new("set_greeting", set_greeting);
/// The greeting the initializer stored, if it ran.
pub const GREETING_TASK: Task<(), Option<String>> = Task::new("greeting", greeting);
/// A task the probe does not register.
pub const UNREGISTERED: Task<u64, u64> = Task::new("no_such_task", square);

/// Every task above except [`UNREGISTERED`].
pub fn registry() -> Registry {
    let r = Registry::new()
        .with(SQUARE)
        .with(PID)
        .with(SLEEP_MS)
        .with(FAIL)
        .with(ABORT)
        .with(EXIT)
        .with(BYTES)
        .with(LEN)
        .with(SET_GREETING)
        .with(GREETING_TASK);
    #[cfg(unix)]
    let r = r.with(SIGKILL_SELF).with(SEGFAULT);
    r
}
