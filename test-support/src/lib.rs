//! Helpers shared by spindle's test suites, in one place so that every test binary
//! runs its models, bounds its polls and watches for hangs the same way.
//!
//! A dev-only crate (`publish = false`), not a `tests/support/mod.rs`: the helpers
//! serve test binaries of several packages (`spindle-core`'s own `core/tests`,
//! `spindle-tests`), and a module file can be included only by the package that
//! holds it, so it would still be copied once per package. It depends on no spindle
//! crate, so the core can take it as a dev-dependency without a cycle, and it builds
//! under `--cfg loom` (`ci/loom.sh`) like everything else.
//!
//! - `loom_model` (only under `--cfg loom`): `model(f)`, loom's model checker with
//!   spindle's default preemption bound, reporting what it explored.
//! - [`poll`]: [`poll_at_most`] (drive a future a bounded number of polls, then
//!   cancel it).
//! - [`watchdog`]: [`within`] (fail a test that hangs instead of hanging the suite).
//! - [`alloc_count`]: [`CountingAlloc`] (count this thread's heap allocations).
//! - [`wakers`]: [`CountingWaker`] (a waker that counts its wake-ups).

pub mod alloc_count;
#[cfg(loom)]
pub mod loom_model;
#[cfg(not(loom))]
pub mod nats_server;
pub mod poll;
pub mod wakers;
pub mod watchdog;

pub use alloc_count::CountingAlloc;
pub use poll::poll_at_most;
pub use wakers::CountingWaker;
pub use watchdog::within;
