//! A distributed pool's worker: pulls tasks from the pool's JetStream work queue,
//! runs them with the program's [`Registry`] (the process pool's, so the same task
//! declarations serve both pools), publishes each result, and only then
//! acknowledges the task. A worker killed mid-task never acknowledges it, so
//! JetStream hands it to another worker after the ack wait: at-least-once delivery.
//! The submitting side drops duplicated results by task id, so every handle
//! resolves exactly once.

use std::pin::pin;
use std::time::Duration;

use async_nats::jetstream::{self, consumer::PullConsumer, AckKind};
use futures_util::future::{select, Either};
use futures_util::StreamExt;

use super::connection::Nats;
use super::remote_pool::RemotePoolError;
use super::work_queue::{self, ResultMessage, TaskMessage, WORKERS};
use crate::process::Registry;
use crate::sync::Event;

/// What a worker did, reported when it stops.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkerStats {
    /// Tasks run and answered.
    pub done: u64,
    /// Messages that were not tasks (dropped for good).
    pub malformed: u64,
}

/// How a worker waits for work and retries: the defaults suit most pools.
#[derive(Debug, Clone, Copy)]
pub struct WorkerOptions {
    /// The ack wait of the pool's consumer, used if this worker creates it
    /// (default 30 s: longer than the longest task).
    pub ack_wait: Duration,
    /// How many deliveries a task gets, if this worker creates the consumer
    /// (default 3).
    pub max_deliver: u32,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        Self {
            ack_wait: Duration::from_secs(30),
            max_deliver: 3,
        }
    }
}

/// Runs `pool`'s tasks with `registry` on this thread until `stop` is set (e.g. by
/// a SIGTERM handler). Reconnects after a broker restart by itself.
///
/// ```no_run
/// use spindle_std::nats::{serve_tasks, Nats, WorkerOptions};
/// use spindle_std::process::{Registry, Task};
/// use spindle_std::sync::Event;
///
/// fn square(n: u64) -> u64 { n * n }
/// const SQUARE: Task<u64, u64> = Task::new("square", square);
///
/// let nats = Nats::connect("nats://127.0.0.1:4222")?;
/// let stop = Event::new();
/// let stats = serve_tasks(&nats, "math", &Registry::new().with(SQUARE), &stop, WorkerOptions::default())?;
/// println!("{} tasks done", stats.done);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn serve_tasks(
    nats: &Nats,
    pool: &str,
    registry: &Registry,
    stop: &Event,
    options: WorkerOptions,
) -> Result<WorkerStats, RemotePoolError> {
    if !work_queue::valid_pool_name(pool) {
        return Err(RemotePoolError::BadPoolName(pool.to_owned()));
    }
    let _runtime = nats.enter();
    let js = jetstream::new(nats.inner.client.clone());
    let codec = nats.codec();
    spindle_core::wait::block_on(async {
        let (tasks, _) = work_queue::ensure(&js, pool, options.ack_wait, options.max_deliver)
            .await
            .map_err(RemotePoolError::Broker)?;
        let consumer: PullConsumer = tasks
            .get_consumer(WORKERS)
            .await
            .map_err(|e| RemotePoolError::Broker(e.to_string()))?;
        let mut stats = WorkerStats::default();
        'pull: loop {
            // One fetch stream at a time; a broker restart ends or breaks it, and a
            // new one is asked for after a pause.
            let mut messages = match consumer.messages().await {
                Ok(m) => m,
                Err(_) => {
                    if pause_or_stop(stop, Duration::from_millis(250)).await {
                        break 'pull;
                    }
                    continue;
                }
            };
            loop {
                let next = pin!(messages.next());
                let stopped = pin!(stop.wait());
                let msg = match select(next, stopped).await {
                    Either::Right(_) => break 'pull,
                    Either::Left((Some(Ok(msg)), _)) => msg,
                    // Heartbeats missed while the broker restarts, and the like:
                    // ask for a fresh stream.
                    Either::Left((Some(Err(_)), _)) | Either::Left((None, _)) => {
                        if pause_or_stop(stop, Duration::from_millis(250)).await {
                            break 'pull;
                        }
                        continue 'pull;
                    }
                };
                let task: TaskMessage = match codec.decode(&msg.payload) {
                    Ok(t) => t,
                    Err(_) => {
                        stats.malformed += 1;
                        let _ = msg.ack_with(AckKind::Term).await;
                        continue;
                    }
                };
                let outcome = run_holding(registry, &task, &msg, options.ack_wait);
                let Ok(bytes) = codec.encode(&ResultMessage {
                    id: task.id,
                    outcome,
                }) else {
                    continue;
                };
                let subject = work_queue::results_subject(pool, &task.client);
                // Result first, then the ack: a crash in between gives a duplicate
                // result (dropped by id), never a lost one.
                if publish_persisted(&js, subject, bytes, stop, &msg).await {
                    let _ = msg.double_ack().await;
                    stats.done += 1;
                }
            }
        }
        Ok(stats)
    })
}

/// Publishes into JetStream and waits for the stream's acknowledgement, retrying
/// while the broker is away (up to about a minute, or until `stop`). `false` if it
/// never got through: the task stays unacknowledged and is redelivered.
async fn publish_persisted(
    js: &jetstream::Context,
    subject: String,
    bytes: Vec<u8>,
    stop: &Event,
    task: &jetstream::Message,
) -> bool {
    let payload = bytes::Bytes::from(bytes);
    for attempt in 0..240u32 {
        if let Ok(ack) = js.publish(subject.clone(), payload.clone()).await {
            if ack.await.is_ok() {
                return true;
            }
        }
        // Still holding the task: tell the broker, so it does not hand the task
        // to another worker while this one waits for the broker to come back.
        let _ = task.ack_with(AckKind::Progress).await;
        let pause = Duration::from_millis(u64::from(50 + attempt.min(9) * 50));
        if pause_or_stop(stop, pause).await {
            return false;
        }
    }
    false
}

/// Runs the task on a thread of its own while this one tells the broker, every
/// third of the ack wait, that the task is still being worked on: a long task is
/// never redelivered while its worker lives, and a dead worker stops the progress
/// reports, so its task is redelivered one ack wait later.
fn run_holding(
    registry: &Registry,
    task: &TaskMessage,
    msg: &jetstream::Message,
    ack_wait: Duration,
) -> crate::process::message::Outcome {
    let beat = (ack_wait / 3).max(Duration::from_millis(10));
    std::thread::scope(|s| {
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        s.spawn(move || {
            let _ = done_tx.send(registry.run(&task.call));
        });
        loop {
            match done_rx.recv_timeout(beat) {
                Ok(outcome) => return outcome,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    let _ = spindle_core::wait::block_on(msg.ack_with(AckKind::Progress));
                }
                // The task's thread panicked outside the registry's catch (it
                // cannot: `Registry::run` catches panics); report it as one.
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    return crate::process::message::Outcome::Panicked(
                        "the task's thread ended without a result".into(),
                    )
                }
            }
        }
    })
}

/// Waits `d` (on the connection's runtime timer); `true` if `stop` was set first.
async fn pause_or_stop(stop: &Event, d: Duration) -> bool {
    let sleep = pin!(tokio::time::sleep(d));
    let stopped = pin!(stop.wait());
    matches!(select(sleep, stopped).await, Either::Right(_))
}
