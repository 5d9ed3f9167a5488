//! std's atomics, mutex and condition variable in normal builds, loom's under
//! `--cfg loom`, so the pool's submission gate and its workers' sleep protocol
//! (recipe 12.7) are model-checked as written (`tests/loom_pool.rs`).

#[cfg(loom)]
pub(crate) use loom::sync::{
    atomic::{fence, AtomicUsize, Ordering},
    Condvar, Mutex,
};
#[cfg(not(loom))]
pub(crate) use std::sync::{
    atomic::{fence, AtomicUsize, Ordering},
    Condvar, Mutex,
};
