//! Interop: spindle's futures under the executors people already run. spindle's
//! async forms are executor-agnostic (they need only a `Waker`), and these tests
//! prove it for tokio's multi-thread runtime, `futures::executor` (`ThreadPool`,
//! `LocalPool`, `block_on`) and embassy-executor's std platform executor, with the
//! two sides of each queue, lock, event, semaphore and actor on different executors
//! or threads, and with futures dropped mid-wait (cancellation) leaving every
//! primitive consistent.
//!
//! The workloads live once in [`scenarios`]; each executor module only spawns them.
//! Every test is bounded in count and runs under a watchdog
//! ([`spindle_test_support::within`]) that turns a lost wake-up into a failure.

mod embassy;
mod futures_executor;
mod scenarios;
mod tokio_runtime;
