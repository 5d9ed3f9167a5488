//! Actors reachable from other processes and machines (recipe 12.10's closing
//! remark: `send` extends to message middleware). A local actor's address is
//! exposed under a subject ([`Nats::expose`]), or any handler is served there
//! ([`Nats::serve`]); a [`RemoteAddr`] offers `send` and `ask` with a timeout over
//! NATS request/reply. An ask never hangs: nobody serving the subject is
//! [`AskError::NoResponders`] at once, a server that does not answer is
//! [`AskError::TimedOut`], and an exposed actor that has stopped answers
//! [`AskError::Remote`].
//!
//! A served subject is a NATS queue group: start the same service in several
//! processes and each request goes to one of them.

use std::marker::PhantomData;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use async_nats::client::PublishErrorKind;
use async_nats::RequestErrorKind;
use futures_util::future::{select, Either};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde::Serialize;
use spindle_core::actor::{reply, Addr, Reply};
use spindle_core::queue::QueueStore;

use super::codec::Codec;
use super::connection::Nats;
use super::error::{AskError, PublishError, SubscribeError};
use super::subject::check_subject;
use crate::sync::{Event, RawMutex};

/// A subject being served (by [`Nats::serve`] or [`Nats::expose`]); dropping it
/// unsubscribes and stops its thread.
pub struct Service {
    stop: Arc<Event>,
    runner: Option<Runner>,
    subject: String,
}

/// Where a service's loop runs (see [`Nats::serve`] and [`Nats::expose`]).
#[derive(Clone, Copy)]
enum Runs {
    OnRuntime,
    OnThread,
}

/// A running service loop, to wait for when the service is dropped.
enum Runner {
    Thread(std::thread::JoinHandle<()>),
    Task(
        std::pin::Pin<
            Box<
                dyn std::future::Future<Output = Result<(), super::connection::Gone>> + Send + Sync,
            >,
        >,
    ),
}

impl Service {
    /// The subject served.
    pub fn subject(&self) -> &str {
        &self.subject
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.stop.set();
        match self.runner.take() {
            Some(Runner::Thread(t)) => {
                let _ = t.join();
            }
            Some(Runner::Task(done)) => {
                let _ = spindle_core::wait::block_on(done);
            }
            None => {}
        }
    }
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

/// What a served request gets back: the answer, or the reason there is none.
type Answer<A> = Result<A, String>;

impl Nats {
    /// Serves `subject` with `handler`: each request that decodes as a `Q` is
    /// answered with `handler`'s result (an `Err` reaches the asker as
    /// [`AskError::Remote`]); a request that does not decode is answered with an
    /// error saying so. Requests are handled one at a time, in arrival order, on
    /// the connection's runtime thread (no thread hop per request): keep `handler`
    /// short and non-blocking; put work that blocks behind an actor and
    /// [`expose`](Self::expose) it, which serves on a thread of its own.
    ///
    /// ```no_run
    /// use spindle_std::nats::Nats;
    /// let nats = Nats::connect("nats://127.0.0.1:4222")?;
    /// let _service = nats.serve("math.square", |n: u64| Ok::<_, String>(n * n))?;
    /// let remote = nats.remote::<u64, u64>("math.square");
    /// assert_eq!(remote.ask_timeout(&7, std::time::Duration::from_secs(1))?, 49);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn serve<Q, A, F>(&self, subject: &str, mut handler: F) -> Result<Service, SubscribeError>
    where
        Q: DeserializeOwned + Send + 'static,
        A: Serialize + Send + 'static,
        F: FnMut(Q) -> Answer<A> + Send + 'static,
    {
        self.serve_raw(
            subject,
            Runs::OnRuntime,
            move |codec, payload, _wants_answer| {
                let answer = match codec.decode::<Q>(payload) {
                    Ok(q) => handler(q),
                    Err(e) => Err(format!("the request did not decode: {e}")),
                };
                Some(answer)
            },
        )
    }

    /// Exposes the actor at `addr` under `subject`. `to_message` builds the actor's
    /// message from a remote request: with `Some(reply)` for an
    /// [`ask`](RemoteAddr::ask_timeout) (the actor answers through it, as for a
    /// local ask), with `None` for a plain [`send`](RemoteAddr::send_blocking).
    ///
    /// An actor whose mailbox is closed answers asks with [`AskError::Remote`]
    /// ("the actor is gone"), one that drops the reply unanswered likewise.
    pub fn expose<R, M, Q, A, F>(
        &self,
        subject: &str,
        addr: Addr<'static, R, M>,
        to_message: F,
    ) -> Result<Service, SubscribeError>
    where
        R: QueueStore + Sync + 'static,
        M: Send + 'static,
        Q: DeserializeOwned + Send + 'static,
        A: Serialize + Send + 'static,
        F: Fn(Q, Option<Reply<'static, RawMutex, A>>) -> M + Send + 'static,
    {
        self.serve_raw(
            subject,
            Runs::OnThread,
            move |codec, payload, wants_answer| {
                let q = match codec.decode::<Q>(payload) {
                    Ok(q) => q,
                    Err(e) => return Some(Err(format!("the request did not decode: {e}"))),
                };
                if !wants_answer {
                    // A plain send: nobody waits for an answer, so there is none to give.
                    let _ = addr.send_blocking(to_message(q, None));
                    return None;
                }
                let (reply, promise) = reply::pair::<RawMutex, A>();
                if addr.send_blocking(to_message(q, Some(reply))).is_err() {
                    return Some(Err("the actor is gone (its mailbox is closed)".into()));
                }
                Some(
                    promise
                        .get_blocking()
                        .map_err(|_| "the actor dropped the request unanswered".to_owned()),
                )
            },
        )
    }

    /// Subscribes to `subject` (a queue group) and runs [`serve_loop`] where `runs`
    /// says: on the connection's runtime (no thread hop per request; the handler
    /// must not block) or on a thread of its own (the handler may block, as an
    /// exposed actor's does).
    fn serve_raw<A, F>(
        &self,
        subject: &str,
        runs: Runs,
        answer: F,
    ) -> Result<Service, SubscribeError>
    where
        A: Serialize + Send + 'static,
        F: FnMut(Codec, &[u8], bool) -> Option<Answer<A>> + Send + 'static,
    {
        check_subject(subject)?;
        let client = self.inner.client.clone();
        let to = subject.to_owned();
        let sub = self
            .block_on(async move {
                let sub = client.queue_subscribe(to.clone(), to).await?;
                client.flush().await.ok();
                Ok::<_, async_nats::SubscribeError>(sub)
            })
            .map_err(|_| SubscribeError::Disconnected("the connection was closed".into()))?
            .map_err(|e| SubscribeError::Disconnected(e.to_string()))?;
        let stop = Arc::new(Event::new());
        let serving = serve_loop(
            sub,
            stop.clone(),
            self.inner.client.clone(),
            self.codec(),
            answer,
        );
        let runner = match runs {
            Runs::OnRuntime => Runner::Task(Box::pin(self.spawn(serving))),
            Runs::OnThread => {
                let nats = self.clone();
                let thread = std::thread::Builder::new()
                    .name(format!("nats-serve {subject}"))
                    .spawn(move || {
                        // The subscription is dropped inside, with the runtime
                        // entered (its drop spawns the UNSUB).
                        let _runtime = nats.enter();
                        spindle_core::wait::block_on(serving);
                    })
                    .map_err(|e| {
                        SubscribeError::Disconnected(format!("no thread for the service: {e}"))
                    })?;
                Runner::Thread(thread)
            }
        };
        Ok(Service {
            stop,
            runner: Some(runner),
            subject: subject.to_owned(),
        })
    }

    /// A handle for sending requests of type `Q` to `subject` and asking for `A`s.
    pub fn remote<Q, A>(&self, subject: &str) -> RemoteAddr<Q, A> {
        RemoteAddr {
            nats: self.clone(),
            subject: async_nats::Subject::from(subject),
            _types: PhantomData,
        }
    }
}

/// An actor (or any service) on another process or machine, reached through NATS;
/// the remote counterpart of [`Addr`]. See the [module docs](crate::nats).
pub struct RemoteAddr<Q, A> {
    nats: Nats,
    // async-nats's own subject type: a clone per request is a reference count, not a
    // string copy.
    subject: async_nats::Subject,
    _types: PhantomData<fn(&Q) -> A>,
}

impl<Q, A> Clone for RemoteAddr<Q, A> {
    fn clone(&self) -> Self {
        Self {
            nats: self.nats.clone(),
            subject: self.subject.clone(),
            _types: PhantomData,
        }
    }
}

impl<Q, A> std::fmt::Debug for RemoteAddr<Q, A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteAddr")
            .field("subject", &self.subject.as_str())
            .finish_non_exhaustive()
    }
}

impl<Q: Serialize, A: DeserializeOwned + Send + 'static> RemoteAddr<Q, A> {
    /// The subject it talks to.
    pub fn subject(&self) -> &str {
        self.subject.as_str()
    }

    /// Sends `msg` without waiting for an answer (fire and forget, as NATS publish
    /// is: if nobody serves the subject the message is gone; use an ask when the
    /// sender must know).
    pub fn send_blocking(&self, msg: &Q) -> Result<(), PublishError> {
        let publish = self.publish(msg)?;
        spindle_core::wait::block_on(publish)
    }

    /// [`send_blocking`](Self::send_blocking), as a future for any executor.
    pub async fn send(&self, msg: &Q) -> Result<(), PublishError> {
        self.publish(msg)?.await
    }

    fn publish(
        &self,
        msg: &Q,
    ) -> Result<impl std::future::Future<Output = Result<(), PublishError>>, PublishError> {
        let bytes = self.nats.encode(msg)?;
        let client = self.nats.inner.client.clone();
        let subject = self.subject.clone();
        let sent = self
            .nats
            .spawn(async move { Nats::publish_bytes(client, subject, bytes).await });
        Ok(async move {
            sent.await
                .map_err(|_| PublishError::Disconnected("the connection was closed".into()))?
        })
    }

    /// Asks and waits at most `timeout` for the answer.
    ///
    /// # Errors
    /// [`AskError::NoResponders`] when nobody serves the subject,
    /// [`AskError::TimedOut`] when no answer came in time, [`AskError::Remote`] when
    /// the serving side answered with an error, [`AskError::Publish`] when the
    /// request could not be sent (too large for the server, say), and
    /// [`AskError::Decode`] when the answer is not an `A`.
    pub fn ask_timeout(&self, msg: &Q, timeout: Duration) -> Result<A, AskError> {
        let bytes = self.nats.encode(msg)?;
        // A blocking ask needs no hop to the runtime's thread: polled here, inside
        // the runtime's context (for the request's timer), it is one hand-off
        // shorter than the async form, which must run on the runtime to be
        // executor-agnostic.
        // It borrows the client and subject, as it ends before this call returns.
        let _runtime = self.nats.enter();
        spindle_core::wait::block_on(ask_bytes(
            &self.nats.inner.client,
            &self.subject,
            bytes,
            timeout,
            self.nats.codec(),
        ))
    }

    /// [`ask_timeout`](Self::ask_timeout), as a future for any executor.
    pub async fn ask(&self, msg: &Q, timeout: Duration) -> Result<A, AskError> {
        self.start_ask(msg, timeout)?.await
    }

    fn start_ask(
        &self,
        msg: &Q,
        timeout: Duration,
    ) -> Result<impl std::future::Future<Output = Result<A, AskError>>, AskError> {
        let bytes = self.nats.encode(msg)?;
        let (client, subject, codec) = (
            self.nats.inner.client.clone(),
            self.subject.clone(),
            self.nats.codec(),
        );
        let asked = self
            .nats
            .spawn(async move { ask_bytes(&client, &subject, bytes, timeout, codec).await });
        Ok(async move {
            asked.await.map_err(|_| {
                AskError::Publish(PublishError::Disconnected(
                    "the connection was closed".into(),
                ))
            })?
        })
    }
}

/// One request/reply: the answer decoded, or why there is none.
async fn ask_bytes<A: DeserializeOwned>(
    client: &async_nats::Client,
    subject: &async_nats::Subject,
    bytes: Vec<u8>,
    timeout: Duration,
    codec: Codec,
) -> Result<A, AskError> {
    let request = async_nats::Request::new()
        .payload(bytes.into())
        .timeout(Some(timeout));
    let answer = client
        .send_request(subject.clone(), request)
        .await
        .map_err(|e| match e.kind() {
            RequestErrorKind::NoResponders => AskError::NoResponders {
                subject: subject.to_string(),
            },
            RequestErrorKind::TimedOut => AskError::TimedOut {
                subject: subject.to_string(),
                after: timeout,
            },
            RequestErrorKind::Other => AskError::Publish(PublishError::Disconnected(e.to_string())),
        })?;
    codec
        .decode::<Answer<A>>(&answer.payload)
        .map_err(AskError::Decode)?
        .map_err(AskError::Remote)
}

/// The serving loop: each request's `answer(codec, payload, wants_answer)` is
/// published to its reply subject, until `stop` is set.
async fn serve_loop<A, F>(
    mut sub: async_nats::Subscriber,
    stop: Arc<Event>,
    client: async_nats::Client,
    codec: Codec,
    mut answer: F,
) where
    A: Serialize,
    F: FnMut(Codec, &[u8], bool) -> Option<Answer<A>>,
{
    // One wait for the stop, registered once and polled beside every request.
    let mut stopped = pin!(stop.wait());
    loop {
        let msg = match select(sub.next(), stopped.as_mut()).await {
            Either::Left((Some(msg), _)) => msg,
            Either::Left((None, _)) | Either::Right(_) => break,
        };
        let Some(result) = answer(codec, &msg.payload, msg.reply.is_some()) else {
            continue;
        };
        let Some(reply_to) = msg.reply else { continue };
        // The answer itself cannot go out: say so instead.
        let encoded = codec
            .encode(&result)
            .or_else(|e| codec.encode(&Answer::<A>::Err(e)));
        let Ok(bytes) = encoded else { continue };
        let len = bytes.len();
        // async-nats checks the server's limit itself (against the INFO of the server
        // it is connected to now), so the common case reads no limit at all.
        let sent = client.publish(reply_to.clone(), bytes.into()).await;
        if let Err(e) = sent {
            if e.kind() == PublishErrorKind::MaxPayloadExceeded {
                let too_large = Answer::<A>::Err(format!(
                    "the answer is {len} bytes, over the server's max_payload of {}",
                    client.server_info().max_payload
                ));
                if let Ok(bytes) = codec.encode(&too_large) {
                    let _ = client.publish(reply_to, bytes.into()).await;
                }
            }
        }
    }
    let _ = sub.unsubscribe().await;
}
