//! NATS cases (`spindle_std::nats`, recipes 12.8, 12.10 and 12.11 beyond one
//! machine), against a `nats-server` the bench starts itself on loopback; the rows
//! are listed only where `nats-server` is installed.
//!
//! - `nats/roundtrip`: one `ask` round trip to a served subject (`RemoteAddr::
//!   ask_timeout` to `Nats::serve`), against a plain async-nats request to a plain
//!   async-nats responder on the same server: what spindle's layer adds. Like with
//!   like: the same 8-byte postcard request, the same 10 s timeout, and both
//!   responders decode the request and encode a `Result<u64, String>` answer that
//!   the asker decodes; each side has a connection (and a one-thread runtime) of
//!   its own. One op = one request and its answer.
//! - `nats/pool-throughput`: tiny tasks (`n * n`) through the distributed pool
//!   with 2 local workers (threads running `serve_tasks`, each on a connection of
//!   its own, as worker processes would be), all submitted
//!   (`submit_all`: every task stored by the broker, acks awaited together) then
//!   all collected, beside the process pool with 2 workers (a reference: what the
//!   broker's persistence costs against two pipes). One op = one task.

use super::*;

use std::sync::OnceLock;

use futures::StreamExt;
use spindle_std::nats::{serve_tasks, Nats, RemoteAddr, RemotePool, Service, WorkerOptions};
use spindle_std::process::ProcessPool;
use spindle_std::sync::Event;
use spindle_test_support::nats_server::NatsServer;

use crate::process::{registry, SQUARE};

/// Whether the rows can run here.
pub fn available() -> bool {
    std::process::Command::new("nats-server")
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok()
}

/// The broker both rows use (started once).
fn server() -> &'static NatsServer {
    static SERVER: OnceLock<NatsServer> = OnceLock::new();
    SERVER.get_or_init(|| NatsServer::start("spindle-bench nats/", &[]).expect("nats-server"))
}

/// The round-trip row's two sides, each on a connection of its own (and nothing
/// else on either: the pool row's workers have their own).
struct Roundtrip {
    nats: Nats,
    _echo: Service,
    echo: RemoteAddr<u64, u64>,
    raw: tokio::runtime::Runtime,
    raw_client: async_nats::Client,
}

fn roundtrip() -> &'static Roundtrip {
    static SETUP: OnceLock<Roundtrip> = OnceLock::new();
    SETUP.get_or_init(|| {
        let url = server().url.clone();
        let nats = Nats::connect(&url).expect("connect");
        let echo_svc = nats
            .serve("bench.echo", |n: u64| Ok::<_, String>(n))
            .expect("serve");
        let echo = nats.remote::<u64, u64>("bench.echo");
        let raw = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime");
        let raw_client = raw.block_on(async move {
            let client = async_nats::connect(url).await.expect("connect");
            let mut sub = client.subscribe("bench.raw").await.expect("subscribe");
            let responder = client.clone();
            // The same work as `Nats::serve`'s side: decode the request, answer with
            // an encoded `Result<u64, String>` (what a served handler returns).
            tokio::spawn(async move {
                while let Some(msg) = sub.next().await {
                    let Some(reply) = msg.reply else { continue };
                    let answer: Result<u64, String> =
                        postcard::from_bytes::<u64>(&msg.payload).map_err(|e| e.to_string());
                    let bytes = postcard::to_allocvec(&answer).expect("encodes");
                    let _ = responder.publish(reply, bytes.into()).await;
                }
            });
            client.flush().await.expect("flush");
            client
        });
        Roundtrip {
            nats,
            _echo: echo_svc,
            echo,
            raw,
            raw_client,
        }
    })
}

/// The distributed pool with 2 local workers (threads running `serve_tasks`): the
/// pool and each worker on a connection of its own, as separate processes would be.
fn remote_pool() -> &'static RemotePool {
    static POOL: OnceLock<RemotePool> = OnceLock::new();
    POOL.get_or_init(|| {
        let nats = Nats::connect(&server().url).expect("connect");
        let pool = RemotePool::builder("bench").connect(&nats).expect("pool");
        for _ in 0..2 {
            let nats = Nats::connect(&server().url).expect("connect");
            std::thread::spawn(move || {
                static NEVER: Event = Event::new();
                let _ = serve_tasks(
                    &nats,
                    "bench",
                    &registry(),
                    &NEVER,
                    WorkerOptions::default(),
                );
            });
        }
        pool
    })
}

const PATIENCE: Duration = Duration::from_secs(10);

/// spindle: `RemoteAddr::ask_timeout` to a subject served by `Nats::serve`.
pub fn roundtrip_spindle(iters: u64) -> Duration {
    let s = roundtrip();
    let t0 = Instant::now();
    for i in 0..iters {
        let got = s.echo.ask_timeout(&i, PATIENCE).expect("an answer");
        black_box(got);
    }
    let d = t0.elapsed();
    black_box(&s.nats);
    d
}

/// async-nats: `client.request` (the same 10 s timeout) to the plain responder, on
/// a tokio runtime; the request is encoded and the answer decoded as spindle's are.
pub fn roundtrip_async_nats(iters: u64) -> Duration {
    let s = roundtrip();
    let client = s.raw_client.clone();
    let subject = async_nats::Subject::from_static("bench.raw");
    s.raw.block_on(async move {
        let t0 = Instant::now();
        for i in 0..iters {
            let request = async_nats::Request::new()
                .payload(postcard::to_allocvec(&i).expect("encodes").into())
                .timeout(Some(PATIENCE));
            let answer = client
                .send_request(subject.clone(), request)
                .await
                .expect("an answer");
            let got: Result<u64, String> = postcard::from_bytes(&answer.payload).expect("decodes");
            black_box(got.expect("an echo"));
        }
        t0.elapsed()
    })
}

/// Submits `iters` tiny tasks through `submit_all`, then checks every result.
#[inline(always)]
fn throughput<E: std::fmt::Debug>(
    iters: u64,
    submit_all: impl Fn(std::ops::Range<u64>) -> Vec<Result<spindle_std::pool::TaskHandle<u64>, E>>,
) -> Duration {
    let t0 = Instant::now();
    let handles = submit_all(0..iters);
    for (n, h) in (0..iters).zip(handles) {
        assert_eq!(h.expect("submit").result(), Ok(n.wrapping_mul(n)));
    }
    t0.elapsed()
}

/// spindle: `RemotePool::submit_all` of `iters` tiny tasks (their broker acks
/// awaited together), then every result.
pub fn pool_throughput_spindle(iters: u64) -> Duration {
    let pool = remote_pool();
    throughput(iters, |items| pool.submit_all(SQUARE, items))
}

/// The process pool with 2 workers, the same tasks, each `submit`ted (it waits
/// for nothing: no broker to store them), then every result (a reference).
pub fn pool_throughput_process(iters: u64) -> Duration {
    static POOL: OnceLock<ProcessPool> = OnceLock::new();
    let pool = POOL.get_or_init(|| ProcessPool::new(2).expect("a process pool"));
    throughput(iters, |items| {
        items.map(|n| pool.submit(SQUARE, n)).collect()
    })
}
