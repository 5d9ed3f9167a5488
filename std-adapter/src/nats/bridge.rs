//! The exchange bridge (recipe 12.11's "distributed exchanges"): a [`Publisher`] is
//! an exchange [`Subscriber`] that publishes every message it is given to a NATS
//! subject, and a [`Feed`] hands every message arriving on a subject pattern to a
//! local sink, typically a local exchange's `send_blocking`. The core's exchange
//! types do not know about NATS: the bridge is a subscriber on one side and a
//! publisher on the other.
//!
//! Order: one `Publisher` publishes in the order the exchange delivered, over one
//! connection, and NATS keeps the order of one connection's messages on a subject,
//! so subscribers elsewhere see each publisher's messages in order. Overflow: the
//! publisher's outbox holds [`OUTBOX`] encoded messages; when it is full the
//! publisher refuses with [`Refused::Full`] and the exchange's policy for it
//! applies (wait, drop, error), exactly as for a local subscriber. At the receiving
//! side the local exchange's policies apply again.

use std::marker::PhantomData;
use std::pin::pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::future::{select, Either};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde::Serialize;
use spindle_core::exchange::{Refused, Subscriber};

use super::connection::Nats;
use super::error::{PublishError, SubscribeError};
use super::subject::check_subject;
use crate::queue::Queue;
use crate::sync::Event;

/// Encoded messages a [`Publisher`] holds while they go out.
pub const OUTBOX: usize = 1024;

struct Outbox {
    queue: Queue<Vec<u8>, OUTBOX>,
    /// Set when the pump has published everything and stopped.
    drained: Event,
    refused: AtomicU64,
    last_error: Mutex<Option<PublishError>>,
}

/// An exchange subscriber that publishes each message to a NATS subject; see the
/// [module docs](crate::nats).
///
/// ```no_run
/// use spindle_std::nats::Nats;
/// use spindle_std::spindle_core::exchange::{Exchange, Overflow};
/// use spindle_std::sync::RawMutex;
///
/// let nats = Nats::connect("nats://127.0.0.1:4222")?;
/// let out = nats.publisher::<String>("home.sensors.kitchen.temp")?;
/// let local: Exchange<RawMutex, String, 8> = Exchange::new();
/// let _bridge = local.subscribe(&out, Overflow::Wait).unwrap();
/// local.send_blocking("21.5 C".to_owned()); // now also on the subject
/// out.close_blocking();                      // everything reached the server
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Publisher<T> {
    nats: Nats,
    subject: String,
    outbox: Arc<Outbox>,
    _message: PhantomData<fn(&T)>,
}

impl Nats {
    /// A [`Publisher`] to `subject`: attach it to an exchange.
    pub fn publisher<T: Serialize>(&self, subject: &str) -> Result<Publisher<T>, SubscribeError> {
        check_subject(subject)?;
        if subject.contains(['*', '>']) {
            return Err(SubscribeError::BadSubject(subject.to_owned()));
        }
        let outbox = Arc::new(Outbox {
            queue: Queue::new(),
            drained: Event::new(),
            refused: AtomicU64::new(0),
            last_error: Mutex::new(None),
        });
        let pump = outbox.clone();
        let client = self.inner.client.clone();
        let to = subject.to_owned();
        // The pump: one task, so messages leave in the order they were accepted.
        let done = self.spawn(async move {
            while let Ok(bytes) = pump.queue.recv().await {
                if let Err(e) = Nats::publish_bytes(client.clone(), to.clone(), bytes).await {
                    pump.refused.fetch_add(1, Ordering::Relaxed);
                    *pump.last_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                }
            }
            let _ = client.flush().await;
            pump.drained.set();
        });
        // The pump's result needs no waiting here: `drained` says when it is done.
        drop(done);
        Ok(Publisher {
            nats: self.clone(),
            subject: subject.to_owned(),
            outbox,
            _message: PhantomData,
        })
    }
}

impl<T> Publisher<T> {
    /// The subject it publishes to.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// Messages it refused or could not publish: too large for the server, not
    /// serializable, or lost with the connection.
    pub fn refused(&self) -> u64 {
        self.outbox.refused.load(Ordering::Relaxed)
    }

    /// The last reason a message was refused or lost, if any.
    pub fn last_error(&self) -> Option<PublishError> {
        self.outbox
            .last_error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Stops accepting messages and waits until everything accepted so far has
    /// reached the server.
    pub fn close_blocking(&self) {
        self.outbox.queue.close();
        self.outbox.drained.wait_blocking();
    }

    fn refuse(&self, e: PublishError) -> Refused {
        self.outbox.refused.fetch_add(1, Ordering::Relaxed);
        *self
            .outbox
            .last_error
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(e);
        // The message can never go out (too large, not serializable): like a closed
        // subscriber, it is counted as refused in the exchange's report.
        Refused::Closed
    }
}

impl<T> Drop for Publisher<T> {
    fn drop(&mut self) {
        // The pump drains what was accepted, then stops.
        self.outbox.queue.close();
    }
}

impl<T> std::fmt::Debug for Publisher<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Publisher")
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

impl<T: Serialize> Subscriber<T> for Publisher<T> {
    fn try_deliver(&self, msg: &T) -> Result<(), Refused> {
        let bytes = self.nats.encode(msg).map_err(|e| self.refuse(e))?;
        match self.outbox.queue.try_send(bytes) {
            Ok(()) => Ok(()),
            Err(e) if e.is_closed() => Err(Refused::Closed),
            Err(_) => Err(Refused::Full),
        }
    }
}

#[derive(Debug, Default)]
struct FeedCounters {
    received: AtomicU64,
    malformed: AtomicU64,
}

/// What a [`Feed`] has seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FeedStats {
    /// Messages decoded and handed to the sink.
    pub received: u64,
    /// Messages that did not decode as the sink's type (skipped).
    pub malformed: u64,
}

/// Messages arriving on a subject pattern, handed to a local sink on a thread of
/// the feed's own; dropping the feed unsubscribes and stops that thread.
///
/// ```no_run
/// use std::sync::Arc;
/// use spindle_std::nats::{pattern_to_subject, Nats};
/// use spindle_std::spindle_core::exchange::Exchange;
/// use spindle_std::sync::RawMutex;
///
/// let nats = Nats::connect("nats://127.0.0.1:4222")?;
/// let local: Arc<Exchange<RawMutex, String, 8>> = Arc::new(Exchange::new());
/// let subject = pattern_to_subject("home", "sensors/+/temp").unwrap(); // home.sensors.*.temp
/// let ex = local.clone();
/// let feed = nats.feed(&subject, move |_subject, msg: String| {
///     ex.send_blocking(msg); // the local subscribers' policies apply
/// })?;
/// # drop(feed);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Feed {
    stop: Arc<Event>,
    counters: Arc<FeedCounters>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Nats {
    /// Subscribes to `subject` (wildcards allowed: `*` one token, `>` the rest) and
    /// hands every message that decodes as a `T` to `sink`, with its subject, in
    /// arrival order. The subscription is in place at the server when this returns.
    pub fn feed<T, F>(&self, subject: &str, mut sink: F) -> Result<Feed, SubscribeError>
    where
        T: DeserializeOwned + Send + 'static,
        F: FnMut(&str, T) + Send + 'static,
    {
        check_subject(subject)?;
        let client = self.inner.client.clone();
        let to = subject.to_owned();
        let mut sub = self
            .block_on(async move {
                let sub = client.subscribe(to).await?;
                // A round trip: the server has processed the SUB before we return.
                client.flush().await.ok();
                Ok::<_, async_nats::SubscribeError>(sub)
            })
            .map_err(|_| SubscribeError::Disconnected("the connection was closed".into()))?
            .map_err(|e| SubscribeError::Disconnected(e.to_string()))?;
        let stop = Arc::new(Event::new());
        let counters = Arc::new(FeedCounters::default());
        let codec = self.codec();
        let (stop2, counters2) = (stop.clone(), counters.clone());
        let nats = self.clone();
        let thread = std::thread::Builder::new()
            .name(format!("nats-feed {subject}"))
            .spawn(move || {
                let _runtime = nats.enter();
                // `async move`: the subscription is dropped inside, with the
                // runtime entered (its drop spawns the UNSUB).
                spindle_core::wait::block_on(async move {
                    loop {
                        let next = pin!(sub.next());
                        let stopped = pin!(stop2.wait());
                        let msg = match select(next, stopped).await {
                            Either::Left((Some(msg), _)) => msg,
                            Either::Left((None, _)) | Either::Right(_) => break,
                        };
                        match codec.decode::<T>(&msg.payload) {
                            Ok(value) => {
                                counters2.received.fetch_add(1, Ordering::Relaxed);
                                sink(msg.subject.as_str(), value);
                            }
                            Err(_) => {
                                counters2.malformed.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                    let _ = sub.unsubscribe().await;
                })
            })
            .map_err(|e| SubscribeError::Disconnected(format!("no thread for the feed: {e}")))?;
        Ok(Feed {
            stop,
            counters,
            thread: Some(thread),
        })
    }
}

impl Feed {
    /// What the feed has seen so far.
    pub fn stats(&self) -> FeedStats {
        FeedStats {
            received: self.counters.received.load(Ordering::Relaxed),
            malformed: self.counters.malformed.load(Ordering::Relaxed),
        }
    }
}

impl Drop for Feed {
    fn drop(&mut self) {
        self.stop.set();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl std::fmt::Debug for Feed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Feed")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}
