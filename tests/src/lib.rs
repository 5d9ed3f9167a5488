//! Shared helpers for the integration tests.

pub mod nats_server;
pub mod process_tasks;
