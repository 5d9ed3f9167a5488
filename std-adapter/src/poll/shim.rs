//! std's atomics and mutex in normal builds, loom's under `--cfg loom`, so the
//! readiness protocol is model-checked as written (`tests/loom_poll.rs`).

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
