//! Shared helpers for the integration tests.

pub mod process_tasks;
