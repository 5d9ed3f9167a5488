//! A distributed pool's worker: pulls tasks from the pool's JetStream work queue,
//! runs them with the program's [`Registry`] (the process pool's, so the same task
//! declarations serve both pools), publishes each result, and only then
//! acknowledges the task. A worker killed mid-task never acknowledges it, so
//! JetStream hands it to another worker after the ack wait: at-least-once delivery.
//! The submitting side drops duplicated results by task id, so every handle
//! resolves exactly once.

use std::pin::pin;
use std::sync::mpsc;
use std::time::Duration;

use async_nats::jetstream::{self, consumer::PullConsumer, AckKind};
use futures_util::future::{select, Either};
use futures_util::StreamExt;

use super::connection::Nats;
use super::remote_pool::RemotePoolError;
use super::wire::{self, ResultMessage, TaskMessage};
use super::work_queue::{self, WORKERS};
use crate::process::message::{Call, Outcome};
use crate::process::{Codec, Registry};
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
    std::thread::scope(|scope| {
        let mut runner = Runner::start(scope, registry);
        spindle_core::wait::block_on(pull_and_run(
            nats,
            &js,
            pool,
            codec,
            &mut runner,
            stop,
            options,
        ))
    })
}

/// The worker's loop: pull, run, publish the result, acknowledge.
async fn pull_and_run(
    nats: &Nats,
    js: &jetstream::Context,
    pool: &str,
    codec: Codec,
    runner: &mut Runner<'_, '_>,
    stop: &Event,
    options: WorkerOptions,
) -> Result<WorkerStats, RemotePoolError> {
    let (tasks, _) = work_queue::ensure(js, pool, options.ack_wait, options.max_deliver)
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
        // One task at a time (at most one more waiting): JetStream's ack wait
        // starts at delivery, so tasks prefetched behind a long one would be
        // redelivered (their deliveries used up) while still in this worker's
        // buffer, and other workers would sit idle.
        let messages = consumer.stream().max_messages_per_batch(1).messages().await;
        let mut messages = match messages {
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
            // Each task in its client's codec (its header says which), so
            // one worker serves postcard and JSON clients alike.
            let codec = wire::codec_of(msg.headers.as_ref(), codec);
            let task: TaskMessage = match wire::decode_task(codec, &msg.payload) {
                Ok(t) => t,
                Err(_) => {
                    stats.malformed += 1;
                    let _ = msg.ack_with(AckKind::Term).await;
                    continue;
                }
            };
            let TaskMessage { client, id, call } = task;
            let outcome = runner.run_holding(call, codec, &msg, options.ack_wait);
            let bytes = encode_result(codec, id, outcome, nats.max_payload());
            let subject = work_queue::results_subject(pool, &client);
            // Result first, then the ack: a crash in between gives a duplicate
            // result (dropped by id), never a lost one. A plain ack (not
            // waiting for the server's confirmation): a lost one means a
            // redelivery, whose result is dropped by id likewise.
            if publish_persisted(js, subject, codec, bytes, stop, &msg).await {
                let _ = msg.ack().await;
                stats.done += 1;
            }
        }
    }
    Ok(stats)
}

/// Publishes into JetStream and waits for the stream's acknowledgement, retrying
/// while the broker is away (up to about a minute, or until `stop`). `false` if it
/// never got through: the task stays unacknowledged and is redelivered.
async fn publish_persisted(
    js: &jetstream::Context,
    subject: String,
    codec: Codec,
    bytes: Vec<u8>,
    stop: &Event,
    task: &jetstream::Message,
) -> bool {
    let payload = bytes::Bytes::from(bytes);
    let mut headers = async_nats::HeaderMap::new();
    headers.insert(wire::CONTENT_TYPE, wire::content_type(codec));
    for attempt in 0..240u32 {
        let sent = js
            .publish_with_headers(subject.clone(), headers.clone(), payload.clone())
            .await;
        if let Ok(ack) = sent {
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

/// The thread a worker runs its tasks on (started once, not once per task), so that
/// the worker's own thread can tell the broker a long task is still running.
struct Runner<'scope, 'env> {
    scope: &'scope std::thread::Scope<'scope, 'env>,
    registry: &'env Registry,
    jobs: mpsc::Sender<(Call, Codec)>,
    done: mpsc::Receiver<Outcome>,
}

impl<'scope, 'env> Runner<'scope, 'env> {
    fn start(scope: &'scope std::thread::Scope<'scope, 'env>, registry: &'env Registry) -> Self {
        let (jobs, job_rx) = mpsc::channel::<(Call, Codec)>();
        let (done_tx, done) = mpsc::channel();
        scope.spawn(move || {
            for (call, codec) in job_rx {
                if done_tx.send(registry.run_with(&call, codec)).is_err() {
                    break;
                }
            }
        });
        Self {
            scope,
            registry,
            jobs,
            done,
        }
    }

    /// Runs the task while this thread tells the broker, every third of the ack
    /// wait, that the task is still being worked on: a long task is never
    /// redelivered while its worker lives, and a dead worker stops the progress
    /// reports, so its task is redelivered one ack wait later.
    fn run_holding(
        &mut self,
        call: Call,
        codec: Codec,
        msg: &jetstream::Message,
        ack_wait: Duration,
    ) -> Outcome {
        let beat = (ack_wait / 3).max(Duration::from_millis(10));
        if self.jobs.send((call, codec)).is_err() {
            return self.restart();
        }
        loop {
            match self.done.recv_timeout(beat) {
                Ok(outcome) => return outcome,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    let _ = spindle_core::wait::block_on(msg.ack_with(AckKind::Progress));
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => return self.restart(),
            }
        }
    }

    /// The runner thread ended outside the registry's catch of panics (it cannot:
    /// `Registry::run_with` catches them): report the task as panicked and start a
    /// fresh thread for the next one.
    fn restart(&mut self) -> Outcome {
        *self = Self::start(self.scope, self.registry);
        Outcome::Panicked("the task's thread ended without a result".into())
    }
}

/// A result's bytes; one that cannot be sent as it is (not encodable, or over the
/// server's `max_payload`) becomes a [`Outcome::BadResult`] that says why, so the
/// handle learns of it instead of the task being redelivered until it gives up.
fn encode_result(codec: Codec, id: u64, outcome: Outcome, max_payload: usize) -> Vec<u8> {
    let why = match wire::encode_result(codec, &ResultMessage { id, outcome }) {
        Ok(bytes) if bytes.len() <= max_payload => return bytes,
        Ok(bytes) => format!(
            "the result is {} bytes, over the server's max_payload of {max_payload}",
            bytes.len()
        ),
        Err(e) => format!("the result could not be encoded: {e}"),
    };
    let outcome = Outcome::BadResult(why);
    // A short string always encodes, in either codec.
    wire::encode_result(codec, &ResultMessage { id, outcome }).unwrap_or_default()
}

/// Waits `d` (on the connection's runtime timer); `true` if `stop` was set first.
async fn pause_or_stop(stop: &Event, d: Duration) -> bool {
    let sleep = pin!(tokio::time::sleep(d));
    let stopped = pin!(stop.wait());
    matches!(select(sleep, stopped).await, Either::Right(_))
}
