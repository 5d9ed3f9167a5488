//! Beyond one machine, over a NATS broker (feature `nats`, off by default): the
//! book's closing remarks to recipes 12.3, 12.10 and 12.11, that queues, actors and
//! exchanges extend to many processes through message middleware, without a
//! rewrite and without a home-made network layer.
//!
//! - [`Nats`]: one connection (credentials from the URL or [`NatsOptions`], TLS
//!   with a `tls://` URL or [`NatsOptions::require_tls`]); it reconnects by itself
//!   after a server restart.
//! - The exchange bridge: a [`Publisher`] is an exchange subscriber that publishes
//!   to a subject; a [`Feed`] hands a subject pattern's messages to a local sink
//!   (a local exchange). Topic names map to subjects one to one
//!   ([`name_to_subject`], [`pattern_to_subject`]: `/` -> `.`, `+` -> `*`,
//!   `#` -> `>`).
//! - Remote actors: [`Nats::expose`] puts a local actor's address under a subject,
//!   [`Nats::serve`] any handler; a [`RemoteAddr`] sends and asks with a timeout.
//! - The distributed pool: a [`RemotePool`] has the process pool's `submit` /
//!   `map` surface for the same registered [`Task`](crate::process::Task)s; its
//!   tasks go through a JetStream work queue to workers running [`serve_tasks`]
//!   (`spindle worker --nats URL`), at-least-once delivery with exactly-once results.
//! - [`Codec`]: postcard (the process pool's payloads) by default, JSON for
//!   services in other languages.
//!
//! Start a broker with `nats-server -js -a 127.0.0.1 -p 4222` (Debian:
//! `apt-get install nats-server`).
//!
//! ```no_run
//! use std::time::Duration;
//! use spindle_std::nats::{AskError, Nats};
//!
//! let nats = Nats::connect("nats://127.0.0.1:4222")?;
//! let _svc = nats.serve("greeter", |name: String| Ok::<_, String>(format!("hello, {name}")))?;
//! let greeter = nats.remote::<String, String>("greeter");
//! assert_eq!(greeter.ask_timeout(&"ada".into(), Duration::from_secs(1))?, "hello, ada");
//! let nobody = nats.remote::<String, String>("nobody.home");
//! assert!(matches!(nobody.ask_timeout(&"x".into(), Duration::from_secs(1)), Err(AskError::NoResponders { .. })));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod bridge;
mod codec;
mod connection;
mod error;
mod remote_actor;
mod remote_pool;
mod subject;
mod task_publisher;
mod wire;
mod work_queue;
mod worker;

pub use bridge::{Feed, FeedStats, Publisher, OUTBOX};
pub use codec::Codec;
pub use connection::{Nats, NatsOptions};
pub use error::{AskError, ConnectError, ConnectErrorKind, PublishError, SubscribeError};
pub use remote_actor::{RemoteAddr, Service};
pub use remote_pool::{RemotePool, RemotePoolBuilder, RemotePoolError};
pub use subject::{name_to_subject, pattern_to_subject, subject_to_name};
pub use worker::{serve_tasks, WorkerOptions, WorkerStats};
