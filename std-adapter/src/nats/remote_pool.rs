//! [`RemotePool`]: the process pool's `submit`/`map` surface, with the workers on
//! any machine that reaches the broker (recipe 12.8 beyond one machine). Tasks are
//! the process pool's [`Task`]s, registered by name in every worker's
//! [`Registry`](crate::process::Registry); they travel through a JetStream work
//! queue (see [`serve_tasks`](super::serve_tasks) for the worker's side).
//!
//! Guarantees: a task `submit` returned for is stored by the broker (file storage:
//! it survives a broker restart); it is delivered to one worker at a time, again
//! after the ack wait if that worker died, at most `max_deliver` times
//! (at-least-once); a task that used them all up fails its handle with
//! [`WorkerError::GaveUp`] (JetStream notices when a worker next asks for work);
//! duplicated results are dropped by task id, so every handle resolves exactly
//! once. A remote task cannot be cancelled once submitted. A submit whose publish
//! or ack failed (a broker restart) is sent again a few times: its `Nats-Msg-Id`
//! lets the broker drop a copy it already stored.
//!
//! With [`Codec::Json`] (the connection's codec), tasks and results are plain JSON
//! objects, their argument and result the task's own JSON values, that a worker or
//! client in any language reads and writes:
//! `{"client": "c42x..", "id": 7, "task": "square", "arg": 7}` on
//! `spindle.tasks.<pool>`, `{"id": 7, "outcome": {"Value": 49}}` on
//! `spindle.results.<pool>.<client>` (the README's "Beyond one machine" has the
//! whole layout).

use std::collections::HashMap;
use std::pin::pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_nats::jetstream::{self, consumer};
use async_nats::HeaderMap;
use futures_util::future::{select, Either};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::connection::Nats;
use super::task_publisher;
use super::wire::{self, TaskMessage};
use super::work_queue;
use crate::pool::{Remote, TaskError, TaskHandle};
use crate::process::message::{Call, Outcome};
use crate::process::{outcome_to_result, Codec, FrameError, SubmitError, Task, WorkerError};
use crate::sync::Event;

/// Why a [`RemotePool`] (or a worker) could not be set up.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RemotePoolError {
    /// Pool names are letters, digits, `_` and `-` (they become subject tokens and
    /// stream names).
    BadPoolName(String),
    /// The broker refused or could not create the pool's streams (is JetStream on?
    /// `nats-server -js`).
    Broker(String),
}

impl std::fmt::Display for RemotePoolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::BadPoolName(n) => write!(
                f,
                "`{n}` is not a pool name (letters, digits, `_` and `-`, at most 64)"
            ),
            Self::Broker(e) => write!(f, "the broker could not set up the pool: {e}"),
        }
    }
}

impl std::error::Error for RemotePoolError {}

/// What completes a handle, whatever its result type.
trait Sink: Send + Sync {
    fn deliver(&self, outcome: Outcome, codec: Codec);
    fn fail(&self, e: TaskError);
}

impl<R: DeserializeOwned + Send> Sink for Remote<R> {
    fn deliver(&self, outcome: Outcome, codec: Codec) {
        self.finish(outcome_to_result(outcome, codec));
    }
    fn fail(&self, e: TaskError) {
        self.finish(Err(e));
    }
}

struct Shared {
    nats: Nats,
    js: jetstream::Context,
    pool: String,
    client: String,
    next_id: AtomicU64,
    tables: Mutex<Tables>,
    stop: Event,
}

/// The tasks submitted and not yet resolved.
#[derive(Default)]
struct Tables {
    /// By id: the handle to complete, and the task's stream sequence once the
    /// broker acknowledged it.
    pending: HashMap<u64, (Arc<dyn Sink>, Option<u64>)>,
    /// Id by stream sequence (the max-deliveries advisory names the sequence).
    by_seq: HashMap<u64, u64>,
}

impl Tables {
    /// Takes task `id` out of both tables.
    fn take(&mut self, id: u64) -> Option<Arc<dyn Sink>> {
        let (sink, seq) = self.pending.remove(&id)?;
        if let Some(seq) = seq {
            self.by_seq.remove(&seq);
        }
        Some(sink)
    }

    /// Records the broker's sequence of task `id`, unless it already resolved.
    fn stored(&mut self, id: u64, seq: u64) {
        if let Some(entry) = self.pending.get_mut(&id) {
            entry.1 = Some(seq);
            self.by_seq.insert(seq, id);
        }
    }
}

/// A task encoded and registered, waiting for the broker: what comes back to the
/// caller (its argument on failure, its handle on success).
struct Prepared<A, R> {
    arg: A,
    id: u64,
    remote: Arc<Remote<R>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Configures a [`RemotePool`]; from [`RemotePool::builder`].
#[derive(Debug, Clone)]
pub struct RemotePoolBuilder {
    pool: String,
    ack_wait: Duration,
    max_deliver: u32,
}

impl RemotePoolBuilder {
    /// How long a worker may hold a task before JetStream gives it to another
    /// (default 30 s; make it longer than the longest task). Applies when this
    /// pool creates the broker's consumer (the first client or worker does).
    pub fn ack_wait(mut self, d: Duration) -> Self {
        self.ack_wait = d;
        self
    }

    /// How many times a task is delivered at most (default 3).
    pub fn max_deliver(mut self, k: u32) -> Self {
        self.max_deliver = k.max(1);
        self
    }

    /// Connects the pool on `nats`, creating its streams if they do not exist.
    pub fn connect(self, nats: &Nats) -> Result<RemotePool, RemotePoolError> {
        RemotePool::start(nats, self)
    }
}

/// A pool of workers reached through a NATS JetStream work queue; see the
/// [module docs](crate::nats).
///
/// ```no_run
/// use spindle_std::nats::{Nats, RemotePool};
/// use spindle_std::process::Task;
///
/// fn square(n: u64) -> u64 { n * n }
/// const SQUARE: Task<u64, u64> = Task::new("square", square);
///
/// let nats = Nats::connect("nats://127.0.0.1:4222")?;
/// let pool = RemotePool::builder("math").connect(&nats)?;
/// // Workers: `spindle worker --nats URL --pool math`, or any program that calls
/// // `spindle_std::nats::serve_tasks` with a registry holding SQUARE.
/// assert_eq!(pool.submit(SQUARE, 7).unwrap().result(), Ok(49));
/// let squares: Vec<u64> = pool.map(SQUARE, 1..=3).map(Result::unwrap).collect();
/// assert_eq!(squares, [1, 4, 9]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct RemotePool {
    shared: Arc<Shared>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl RemotePool {
    /// A builder for the pool named `pool` (letters, digits, `_`, `-`).
    pub fn builder(pool: &str) -> RemotePoolBuilder {
        RemotePoolBuilder {
            pool: pool.to_owned(),
            ack_wait: Duration::from_secs(30),
            max_deliver: 3,
        }
    }

    fn start(nats: &Nats, b: RemotePoolBuilder) -> Result<Self, RemotePoolError> {
        if !work_queue::valid_pool_name(&b.pool) {
            return Err(RemotePoolError::BadPoolName(b.pool));
        }
        // The JetStream context spawns its acker task: inside the runtime. Publishing
        // never waits for an in-flight permit (see task_publisher::publish_all).
        let js = {
            let _runtime = nats.enter();
            jetstream::context::ContextBuilder::new()
                .backpressure_on_inflight(false)
                .build(nats.inner.client.clone())
        };
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let client = format!("c{}x{nanos:x}", std::process::id());
        let shared = Arc::new(Shared {
            nats: nats.clone(),
            js: js.clone(),
            pool: b.pool.clone(),
            client: client.clone(),
            next_id: AtomicU64::new(0),
            tables: Mutex::new(Tables::default()),
            stop: Event::new(),
        });
        let (pool, ack_wait, max_deliver) = (b.pool.clone(), b.ack_wait, b.max_deliver);
        let (results, advisories) = nats
            .block_on(async move {
                let (_, results) = work_queue::ensure(&js, &pool, ack_wait, max_deliver).await?;
                let results = results
                    .get_or_create_consumer(
                        &client,
                        consumer::pull::Config {
                            durable_name: Some(client.clone()),
                            filter_subject: work_queue::results_subject(&pool, &client),
                            ack_policy: consumer::AckPolicy::Explicit,
                            ..Default::default()
                        },
                    )
                    .await
                    .map_err(|e| format!("cannot create the result consumer: {e}"))?;
                let advisories = js
                    .client()
                    .subscribe(work_queue::max_deliveries_advisory(&pool))
                    .await
                    .map_err(|e| e.to_string())?;
                Ok::<_, String>((results, advisories))
            })
            .map_err(|_| RemotePoolError::Broker("the connection was closed".into()))?
            .map_err(RemotePoolError::Broker)?;
        let mut threads = Vec::new();
        let s = shared.clone();
        threads.push(spawn("nats-pool results", move || {
            read_results(&s, results)
        }));
        let s = shared.clone();
        threads.push(spawn("nats-pool advisories", move || {
            read_advisories(&s, advisories)
        }));
        Ok(Self { shared, threads })
    }

    /// The pool's name.
    pub fn name(&self) -> &str {
        &self.shared.pool
    }

    /// How many submitted tasks have not resolved yet.
    pub fn pending(&self) -> usize {
        lock(&self.shared.tables).pending.len()
    }

    /// Queues `task(arg)` for a worker and returns its handle once the broker has
    /// stored it.
    ///
    /// # Errors
    /// The argument comes back in [`SubmitError::Encode`] when it does not serialize
    /// or is over the server's `max_payload`, and in [`SubmitError::Broker`] when the
    /// broker did not store the task.
    pub fn submit<A, R>(&self, task: Task<A, R>, arg: A) -> Result<TaskHandle<R>, SubmitError<A>>
    where
        A: Serialize,
        R: DeserializeOwned + Send + 'static,
    {
        let codec = self.shared.nats.codec();
        let max_payload = self.shared.nats.max_payload();
        let (prepared, message) = self.prepare(task, arg, codec, max_payload)?;
        let stored = self.publish(vec![message]).pop();
        self.finish(
            prepared,
            stored.unwrap_or_else(|| Err("the task was not published".into())),
        )
    }

    /// [`submit`](Self::submit) for every item, in order, with the broker's
    /// acknowledgements awaited together: the tasks are sent a window at a time
    /// before the first ack is awaited, so a batch costs about one broker round
    /// trip per window rather than one per task. Each entry is that item's handle
    /// (the broker stored the task) or its error with the argument, as from
    /// `submit`.
    ///
    /// ```no_run
    /// use spindle_std::nats::{Nats, RemotePool};
    /// use spindle_std::process::Task;
    ///
    /// fn square(n: u64) -> u64 { n * n }
    /// const SQUARE: Task<u64, u64> = Task::new("square", square);
    ///
    /// let nats = Nats::connect("nats://127.0.0.1:4222")?;
    /// let pool = RemotePool::builder("math").connect(&nats)?;
    /// let handles = pool.submit_all(SQUARE, 0..1000);
    /// let total: u64 = handles.into_iter().map(|h| h.unwrap().result().unwrap()).sum();
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn submit_all<A, R, I>(
        &self,
        task: Task<A, R>,
        items: I,
    ) -> Vec<Result<TaskHandle<R>, SubmitError<A>>>
    where
        A: Serialize,
        R: DeserializeOwned + Send + 'static,
        I: IntoIterator<Item = A>,
    {
        let codec = self.shared.nats.codec();
        let max_payload = self.shared.nats.max_payload();
        // Encoded and registered (before publishing: a fast worker's result must
        // find its handle), or failed at once.
        let mut prepared: Vec<Result<Prepared<A, R>, SubmitError<A>>> = Vec::new();
        let mut outgoing = Vec::new();
        for arg in items {
            match self.prepare(task, arg, codec, max_payload) {
                Ok((p, message)) => {
                    prepared.push(Ok(p));
                    outgoing.push(message);
                }
                Err(e) => prepared.push(Err(e)),
            }
        }
        let mut stored = self.publish(outgoing).into_iter();
        prepared
            .into_iter()
            .map(|p| {
                // Only the prepared ones were published: one outcome each, in order.
                let p = p?;
                let outcome = stored
                    .next()
                    .unwrap_or_else(|| Err("the task was not published".into()));
                self.finish(p, outcome)
            })
            .collect()
    }

    /// Publishes encoded tasks, acks awaited together; each one's stream sequence,
    /// or why the broker did not store it.
    fn publish(&self, outgoing: Vec<task_publisher::Outgoing>) -> Vec<Result<u64, String>> {
        let n = outgoing.len();
        if n == 0 {
            return Vec::new();
        }
        let js = self.shared.js.clone();
        let subject = async_nats::Subject::from(work_queue::tasks_subject(&self.shared.pool));
        self.shared
            .nats
            .block_on(async move { task_publisher::publish_all(&js, subject, outgoing).await })
            .unwrap_or_else(|_| vec![Err("the connection was closed".into()); n])
    }

    /// A prepared task's handle once the broker stored it (`Ok(sequence)`), or its
    /// argument back with the broker's reason.
    fn finish<A, R>(
        &self,
        p: Prepared<A, R>,
        stored: Result<u64, String>,
    ) -> Result<TaskHandle<R>, SubmitError<A>>
    where
        R: DeserializeOwned + Send + 'static,
    {
        match stored {
            Ok(seq) => {
                lock(&self.shared.tables).stored(p.id, seq);
                // Submitted is running, as far as the handle is concerned: it can no
                // longer be cancelled.
                p.remote.start();
                Ok(TaskHandle::new(p.remote))
            }
            Err(e) => {
                lock(&self.shared.tables).take(p.id);
                Err(SubmitError::Broker(p.arg, e))
            }
        }
    }

    /// Encodes `task(arg)` and registers its handle; the message to publish.
    fn prepare<A, R>(
        &self,
        task: Task<A, R>,
        arg: A,
        codec: Codec,
        max_payload: usize,
    ) -> Result<(Prepared<A, R>, task_publisher::Outgoing), SubmitError<A>>
    where
        A: Serialize,
        R: DeserializeOwned + Send + 'static,
    {
        let encoded = match codec.encode(&arg) {
            Ok(b) => b,
            Err(e) => return Err(SubmitError::Encode(arg, FrameError::Encode(e))),
        };
        let id = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
        let message = TaskMessage {
            client: self.shared.client.clone(),
            id,
            call: Call {
                task: task.name().to_owned(),
                arg: encoded,
                chunk: false,
            },
        };
        let payload = match wire::encode_task(codec, &message) {
            Ok(p) => p,
            Err(e) => return Err(SubmitError::Encode(arg, FrameError::Encode(e))),
        };
        if payload.len() > max_payload {
            return Err(SubmitError::Encode(
                arg,
                FrameError::TooLarge {
                    len: payload.len() as u64,
                    limit: max_payload,
                },
            ));
        }
        let mut headers = HeaderMap::new();
        // JetStream drops a re-sent copy with the same id (a retry after a lost ack).
        headers.insert(
            "Nats-Msg-Id",
            format!("{}.{id}", self.shared.client).as_str(),
        );
        headers.insert(wire::CONTENT_TYPE, wire::content_type(codec));
        let remote = Arc::new(Remote::<R>::new());
        lock(&self.shared.tables)
            .pending
            .insert(id, (remote.clone(), None));
        Ok((Prepared { arg, id, remote }, (headers, payload.into())))
    }

    /// `task` over `items`, results in input order (Python's `executor.map`): every
    /// item is submitted first ([`submit_all`](Self::submit_all)), then the results
    /// are handed out as they come in order. An item the broker did not take
    /// yields its error in its place.
    pub fn map<A, R, I>(
        &self,
        task: Task<A, R>,
        items: I,
    ) -> impl Iterator<Item = Result<R, TaskError>>
    where
        A: Serialize,
        R: DeserializeOwned + Send + 'static,
        I: IntoIterator<Item = A>,
    {
        self.submit_all(task, items).into_iter().map(|h| {
            h.map_err(|e| TaskError::Worker(WorkerError::Broker(e.to_string())))
                .and_then(|h| h.result())
        })
    }
}

impl Drop for RemotePool {
    fn drop(&mut self) {
        self.shared.stop.set();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        // Every handle resolves: the ones still waiting are told why.
        let left: Vec<_> = lock(&self.shared.tables).pending.drain().collect();
        for (_, (sink, _)) in left {
            sink.fail(TaskError::Worker(WorkerError::Broker(
                "the pool was dropped before the result came".into(),
            )));
        }
        // The result consumer was this client's alone.
        let js = self.shared.js.clone();
        let (pool, client) = (self.shared.pool.clone(), self.shared.client.clone());
        let _ = self.shared.nats.block_on(async move {
            if let Ok(stream) = js.get_stream(work_queue::results_stream(&pool)).await {
                let _ = stream.delete_consumer(&client).await;
            }
        });
    }
}

impl std::fmt::Debug for RemotePool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemotePool")
            .field("pool", &self.shared.pool)
            .field("pending", &self.pending())
            .finish_non_exhaustive()
    }
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> std::thread::JoinHandle<()> {
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(f)
        .expect("a thread for the remote pool")
}

/// Resolves handles from this client's result stream; a result for a task already
/// resolved (a redelivery's duplicate) is acknowledged and dropped.
fn read_results(shared: &Shared, results: consumer::PullConsumer) {
    let _runtime = shared.nats.enter();
    let codec = shared.nats.codec();
    spindle_core::wait::block_on(async {
        'pull: loop {
            let mut messages = match results.messages().await {
                Ok(m) => m,
                Err(_) => {
                    if pause_or_stop(&shared.stop, Duration::from_millis(250)).await {
                        return;
                    }
                    continue;
                }
            };
            loop {
                let next = pin!(messages.next());
                let stopped = pin!(shared.stop.wait());
                let msg = match select(next, stopped).await {
                    Either::Right(_) => return,
                    Either::Left((Some(Ok(msg)), _)) => msg,
                    Either::Left(_) => {
                        if pause_or_stop(&shared.stop, Duration::from_millis(250)).await {
                            return;
                        }
                        continue 'pull;
                    }
                };
                // In the codec its header names: a worker answers in the task's.
                let codec = wire::codec_of(msg.headers.as_ref(), codec);
                if let Ok(result) = wire::decode_result(codec, &msg.payload) {
                    let sink = lock(&shared.tables).take(result.id);
                    if let Some(sink) = sink {
                        sink.deliver(result.outcome, codec);
                    }
                }
                let _ = msg.ack().await;
            }
        }
    });
}

/// Fails the handles of tasks JetStream gave up on (their `max_deliver` reached),
/// and removes them from the work queue.
fn read_advisories(shared: &Shared, mut advisories: async_nats::Subscriber) {
    let _runtime = shared.nats.enter();
    spindle_core::wait::block_on(async move {
        loop {
            let next = pin!(advisories.next());
            let stopped = pin!(shared.stop.wait());
            let msg = match select(next, stopped).await {
                Either::Left((Some(msg), _)) => msg,
                _ => break,
            };
            let Ok(advisory) = serde_json::from_slice::<serde_json::Value>(&msg.payload) else {
                continue;
            };
            let Some(seq) = advisory.get("stream_seq").and_then(|v| v.as_u64()) else {
                continue;
            };
            let deliveries = advisory
                .get("deliveries")
                .and_then(|v| v.as_u64())
                .unwrap_or(0) as u32;
            let sink = {
                let mut tables = lock(&shared.tables);
                let Some(id) = tables.by_seq.get(&seq).copied() else {
                    continue; // another client's task
                };
                tables.take(id)
            };
            if let Some(sink) = sink {
                sink.fail(TaskError::Worker(WorkerError::GaveUp { deliveries }));
            }
            if let Ok(stream) = shared
                .js
                .get_stream(work_queue::tasks_stream(&shared.pool))
                .await
            {
                let _ = stream.delete_message(seq).await;
            }
        }
        let _ = advisories.unsubscribe().await;
    });
}

/// Waits `d`; `true` if `stop` was set first.
async fn pause_or_stop(stop: &Event, d: Duration) -> bool {
    let sleep = pin!(tokio::time::sleep(d));
    let stopped = pin!(stop.wait());
    matches!(select(sleep, stopped).await, Either::Right(_))
}
