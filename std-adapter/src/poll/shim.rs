//! std's atomics and mutex in normal builds, loom's under `--cfg loom`, so the
//! readiness protocol and the epoll poller's wake latch are model-checked as
//! written (`tests/loom_poll.rs`, `tests/loom_os_notify.rs`).

#[cfg(loom)]
pub(crate) use loom::sync::{
    atomic::{AtomicBool, AtomicIsize, Ordering},
    Mutex,
};
#[cfg(not(loom))]
pub(crate) use std::sync::{
    atomic::{AtomicBool, AtomicIsize, Ordering},
    Mutex,
};
