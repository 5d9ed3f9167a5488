//! [`Nats`]: one connection to a NATS server, shared by everything in this module.
//!
//! async-nats needs a tokio runtime for its connection task, so a `Nats` owns a
//! small runtime of its own (one worker thread) and runs every operation there. The
//! caller's side stays spindle's: blocking calls park the calling thread (they work
//! from any thread, also inside another async runtime), and the async calls are
//! plain futures that any executor can drive.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_nats::{ConnectErrorKind as NatsKind, ServerAddr};

use super::codec::Codec;
use super::error::{ConnectError, ConnectErrorKind, PublishError};

/// How to connect: credentials, TLS, time limits and the codec. Credentials come from
/// the URL (`nats://user:password@host:4222`, `nats://token@host:4222`) or from
/// these options, never from code you have to change; TLS: a `tls://` URL or
/// [`require_tls`](Self::require_tls).
///
/// ```no_run
/// use std::time::Duration;
/// use spindle_std::nats::{Codec, Nats};
///
/// let url = std::env::var("NATS_URL").unwrap_or("nats://127.0.0.1:4222".into());
/// let nats = Nats::options()
///     .connect_timeout(Duration::from_secs(2))
///     .codec(Codec::Json)
///     .connect(&url)?;
/// # Ok::<(), spindle_std::nats::ConnectError>(())
/// ```
#[derive(Debug, Clone)]
pub struct NatsOptions {
    user_password: Option<(String, String)>,
    token: Option<String>,
    nkey_seed: Option<String>,
    require_tls: bool,
    connect_timeout: Duration,
    codec: Codec,
    name: Option<String>,
}

impl Default for NatsOptions {
    fn default() -> Self {
        Self {
            user_password: None,
            token: None,
            nkey_seed: None,
            require_tls: false,
            connect_timeout: Duration::from_secs(5),
            codec: Codec::Postcard,
            name: None,
        }
    }
}

impl NatsOptions {
    /// User and password (instead of putting them in the URL).
    pub fn user_password(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.user_password = Some((user.into(), password.into()));
        self
    }

    /// A token (instead of `nats://token@host`).
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// An nkey seed (`SU...`), e.g. read from a file your deployment provides.
    pub fn nkey(mut self, seed: impl Into<String>) -> Self {
        self.nkey_seed = Some(seed.into());
        self
    }

    /// Refuse to talk to a server without TLS.
    pub fn require_tls(mut self, required: bool) -> Self {
        self.require_tls = required;
        self
    }

    /// How long connecting may take (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The wire format of messages (default [`Codec::Postcard`]).
    pub fn codec(mut self, codec: Codec) -> Self {
        self.codec = codec;
        self
    }

    /// The client name the server shows in its monitoring.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Connects to `url`. Fails at once (no retry loop) when nothing answers or the
    /// credentials are refused; once connected, the client reconnects by itself
    /// after a server restart.
    pub fn connect(self, url: &str) -> Result<Nats, ConnectError> {
        Nats::connect_with(url, self)
    }
}

/// The connection (and its runtime) was dropped while an operation was in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Gone;

/// A connection to a NATS server (cheap to clone: clones share it).
///
/// ```no_run
/// use spindle_std::nats::Nats;
/// let nats = Nats::connect("nats://127.0.0.1:4222")?;
/// println!("server accepts messages up to {} bytes", nats.max_payload());
/// # Ok::<(), spindle_std::nats::ConnectError>(())
/// ```
#[derive(Clone)]
pub struct Nats {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    runtime: Option<tokio::runtime::Runtime>,
    pub(crate) client: async_nats::Client,
    pub(crate) codec: Codec,
    limit: PayloadLimit,
}

/// The server's `max_payload`, cached: async-nats hands it out only inside a clone of
/// the whole server INFO (a dozen strings), which cost more than the rest of a
/// request's client-side work. A (re)connection marks the cache stale through the
/// connection's event callback, and the next read refreshes it.
struct PayloadLimit {
    max_payload: AtomicUsize,
    stale: Arc<AtomicBool>,
}

impl PayloadLimit {
    fn get(&self, client: &async_nats::Client) -> usize {
        // Clear the mark before reading: a reconnection that marks it again meanwhile
        // makes the next read refresh once more. The event callback runs as a task of
        // the connection's runtime after the handler has stored the new INFO (the
        // handler does so without yielding), so a refresh never reads the old one.
        if self.stale.swap(false, Ordering::Acquire) {
            self.max_payload
                .store(client.server_info().max_payload, Ordering::Relaxed);
        }
        self.max_payload.load(Ordering::Relaxed)
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Never block (or panic) when the last handle goes away inside some other
        // async context: let the runtime's threads finish on their own.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

impl std::fmt::Debug for Nats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Nats")
            .field("codec", &self.inner.codec)
            .finish_non_exhaustive()
    }
}

/// `url` with any password replaced, for messages.
fn redact(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((_, host)) => format!("{scheme}://***@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

impl Nats {
    /// Connects to `url` with the default [`NatsOptions`].
    pub fn connect(url: &str) -> Result<Self, ConnectError> {
        Self::connect_with(url, NatsOptions::default())
    }

    /// The options builder.
    pub fn options() -> NatsOptions {
        NatsOptions::default()
    }

    fn connect_with(url: &str, opts: NatsOptions) -> Result<Self, ConnectError> {
        let shown = redact(url);
        let fail = |kind, detail: String| ConnectError {
            url: shown.clone(),
            kind,
            detail,
        };
        let addr: ServerAddr = url
            .parse()
            .map_err(|e: std::io::Error| fail(ConnectErrorKind::BadUrl, e.to_string()))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("spindle-nats")
            .enable_all()
            .build()
            .map_err(|e| fail(ConnectErrorKind::Other, e.to_string()))?;

        let mut options = async_nats::ConnectOptions::new()
            .connection_timeout(opts.connect_timeout)
            .require_tls(opts.require_tls || url.starts_with("tls://"));
        // Credentials in the URL: `user:password@` or `token@`.
        match (addr.username(), addr.password()) {
            (Some(user), Some(password)) => {
                options = options.user_and_password(user.to_owned(), password.to_owned())
            }
            (Some(token), None) => options = options.token(token.to_owned()),
            _ => {}
        }
        if let Some((user, password)) = opts.user_password {
            options = options.user_and_password(user, password);
        }
        if let Some(token) = opts.token {
            options = options.token(token);
        }
        if let Some(seed) = opts.nkey_seed {
            options = options.nkey(seed);
        }
        if let Some(name) = opts.name {
            options = options.name(name);
        }
        let stale = Arc::new(AtomicBool::new(false));
        let marks = stale.clone();
        options = options.event_callback(move |event| {
            if matches!(event, async_nats::Event::Connected) {
                marks.store(true, Ordering::Release);
            }
            std::future::ready(())
        });
        let client = runtime.block_on(options.connect(addr)).map_err(|e| {
            let kind = match e.kind() {
                NatsKind::ServerParse => ConnectErrorKind::BadUrl,
                NatsKind::Dns | NatsKind::Io | NatsKind::MaxReconnects => {
                    ConnectErrorKind::Unreachable
                }
                NatsKind::Authentication | NatsKind::AuthorizationViolation => {
                    ConnectErrorKind::Auth
                }
                NatsKind::TimedOut => ConnectErrorKind::TimedOut,
                NatsKind::Tls => ConnectErrorKind::Tls,
            };
            fail(kind, e.to_string())
        })?;
        let limit = PayloadLimit {
            max_payload: AtomicUsize::new(client.server_info().max_payload),
            stale,
        };
        Ok(Self {
            inner: Arc::new(Inner {
                runtime: Some(runtime),
                client,
                codec: opts.codec,
                limit,
            }),
        })
    }

    /// The largest message the server accepts, in bytes (its `max_payload`).
    pub fn max_payload(&self) -> usize {
        self.inner.limit.get(&self.inner.client)
    }

    /// The connection's wire format.
    pub fn codec(&self) -> Codec {
        self.inner.codec
    }

    /// The async-nats client underneath, for what this module does not cover.
    pub fn client(&self) -> &async_nats::Client {
        &self.inner.client
    }

    /// Waits until everything published so far has reached the server.
    pub fn flush_blocking(&self) -> Result<(), PublishError> {
        let client = self.inner.client.clone();
        self.block_on(async move { client.flush().await })
            .map_err(|Gone| PublishError::Disconnected("the connection was closed".into()))?
            .map_err(|e| PublishError::Disconnected(e.to_string()))
    }

    /// Runs `fut` on the connection's runtime and waits for it on this thread.
    pub(crate) fn block_on<F>(&self, fut: F) -> Result<F::Output, Gone>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        spindle_core::wait::block_on(self.spawn(fut))
    }

    /// Runs `fut` on the connection's runtime; the returned future (any executor
    /// may drive it) gives its output, or [`Gone`] if the connection was dropped
    /// (and its runtime with it) before `fut` finished.
    pub(crate) fn spawn<F>(
        &self,
        fut: F,
    ) -> impl Future<Output = Result<F::Output, Gone>> + Send + 'static
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let handle = self.inner.runtime.as_ref().map(|rt| rt.spawn(fut));
        async move {
            match handle {
                Some(handle) => match handle.await {
                    Ok(out) => Ok(out),
                    // Our futures do not panic; if one did, carry the panic to the
                    // caller rather than invent a value.
                    Err(e) => match e.try_into_panic() {
                        Ok(panic) => std::panic::resume_unwind(panic),
                        Err(_cancelled) => Err(Gone),
                    },
                },
                None => Err(Gone),
            }
        }
    }

    /// Makes the connection's runtime the current one on this thread while the
    /// guard lives: async-nats's subscriptions spawn a task when dropped, so the
    /// threads that own one (feeds, services) must be inside it.
    pub(crate) fn enter(&self) -> Option<tokio::runtime::EnterGuard<'_>> {
        self.inner.runtime.as_ref().map(|rt| rt.enter())
    }

    /// Encodes `value` with the connection's codec, checking the server's limit.
    pub(crate) fn encode<T: serde::Serialize + ?Sized>(
        &self,
        value: &T,
    ) -> Result<Vec<u8>, PublishError> {
        let bytes = self
            .inner
            .codec
            .encode(value)
            .map_err(PublishError::Encode)?;
        let max_payload = self.max_payload();
        if bytes.len() > max_payload {
            return Err(PublishError::TooLarge {
                len: bytes.len(),
                max_payload,
            });
        }
        Ok(bytes)
    }

    /// Publishes already-encoded bytes to `subject`.
    pub(crate) async fn publish_bytes(
        client: async_nats::Client,
        subject: impl async_nats::subject::ToSubject,
        bytes: Vec<u8>,
    ) -> Result<(), PublishError> {
        client
            .publish(subject, bytes.into())
            .await
            .map_err(|e| PublishError::Disconnected(e.to_string()))
    }
}
