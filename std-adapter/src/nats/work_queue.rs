//! The distributed pool's JetStream layout and wire messages, shared by the
//! submitting side ([`RemotePool`](super::RemotePool)) and the workers
//! ([`serve_tasks`](super::serve_tasks)).
//!
//! - Stream `SPINDLE_TASKS_<pool>` (work-queue retention, file storage) on subject
//!   `spindle.tasks.<pool>`, consumed by the durable pull consumer `workers`: each
//!   task goes to one worker, is redelivered after the ack wait if that worker dies,
//!   and is delivered at most `max_deliver` times.
//! - Stream `SPINDLE_RESULTS_<pool>` (work-queue retention, file storage) on
//!   `spindle.results.<pool>.<client>`: each submitting process reads its own
//!   results through a durable consumer named after it.
//! - Messages are the process pool's: a task carries a
//!   [`Call`](crate::process::message::Call) (task name and argument) and a result
//!   an [`Outcome`](crate::process::message::Outcome), so a worker runs them with the
//!   same [`Registry`](crate::process::Registry); in postcard or JSON (see
//!   [`wire`](super::wire)).

use std::time::Duration;

use async_nats::jetstream::{self, consumer, stream};

/// The consumer every worker of a pool pulls from.
pub(crate) const WORKERS: &str = "workers";

/// A pool name is a token of NATS subjects and stream names.
pub(crate) fn valid_pool_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

pub(crate) fn tasks_stream(pool: &str) -> String {
    format!("SPINDLE_TASKS_{pool}")
}

pub(crate) fn tasks_subject(pool: &str) -> String {
    format!("spindle.tasks.{pool}")
}

pub(crate) fn results_stream(pool: &str) -> String {
    format!("SPINDLE_RESULTS_{pool}")
}

pub(crate) fn results_subject(pool: &str, client: &str) -> String {
    format!("spindle.results.{pool}.{client}")
}

/// The advisory JetStream sends when a task reached its `max_deliver`.
pub(crate) fn max_deliveries_advisory(pool: &str) -> String {
    format!(
        "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{}.{WORKERS}",
        tasks_stream(pool)
    )
}

/// Creates (or finds) both streams and the workers' consumer.
pub(crate) async fn ensure(
    js: &jetstream::Context,
    pool: &str,
    ack_wait: Duration,
    max_deliver: u32,
) -> Result<(stream::Stream, stream::Stream), String> {
    let tasks = js
        .get_or_create_stream(stream::Config {
            name: tasks_stream(pool),
            subjects: vec![tasks_subject(pool)],
            retention: stream::RetentionPolicy::WorkQueue,
            storage: stream::StorageType::File,
            ..Default::default()
        })
        .await
        .map_err(|e| format!("cannot create the task stream: {e}"))?;
    tasks
        .get_or_create_consumer(
            WORKERS,
            consumer::pull::Config {
                durable_name: Some(WORKERS.to_owned()),
                ack_policy: consumer::AckPolicy::Explicit,
                ack_wait,
                max_deliver: i64::from(max_deliver),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| format!("cannot create the workers' consumer: {e}"))?;
    let results = js
        .get_or_create_stream(stream::Config {
            name: results_stream(pool),
            subjects: vec![format!("spindle.results.{pool}.*")],
            retention: stream::RetentionPolicy::WorkQueue,
            storage: stream::StorageType::File,
            ..Default::default()
        })
        .await
        .map_err(|e| format!("cannot create the result stream: {e}"))?;
    Ok((tasks, results))
}
