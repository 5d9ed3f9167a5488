//! `spindle_std::nats` against a real `nats-server` (recipes 12.10 and 12.11 beyond
//! one machine): the exchange bridge between two processes with a pattern
//! subscription, `ask` across processes (a live actor, a closed one, a killed one,
//! nobody at all), payloads over the server's limit, refused connections, refused
//! credentials, and the JSON codec. Each test starts its own server (see
//! `spindle_tests::nats_server`) and skips loudly when `nats-server` is missing.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use spindle_std::nats::{
    pattern_to_subject, AskError, Codec, ConnectErrorKind, Nats, PublishError,
};
use spindle_test_support::nats_server::{KillOnDrop as Peer, NatsServer};

const PEER: &str = env!("CARGO_BIN_EXE_nats_peer");
const PATIENCE: Duration = Duration::from_secs(10);

/// Starts the peer process and waits for its `ready` line.
fn peer(url: &str, args: &[&str]) -> Peer {
    let mut child = Command::new(PEER)
        .arg(url)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the peer starts");
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().expect("piped"))
        .read_line(&mut line)
        .expect("the peer talks");
    assert_eq!(line.trim(), "ready", "the peer did not get ready");
    Peer(child)
}

#[test]
fn an_exchange_bridged_between_two_processes_delivers_in_order_by_pattern() {
    let Some(server) = NatsServer::start("bridge", &[]) else {
        return;
    };
    let nats = Nats::connect(&server.url).unwrap();
    let subject = pattern_to_subject("bridge", "sensors/+/temp").unwrap();
    let (tx, rx) = mpsc::channel();
    let feed = nats
        .feed(&subject, move |subject: &str, n: u64| {
            tx.send((subject.to_owned(), n)).unwrap();
        })
        .unwrap();

    // A subject the pattern does not match, then the one it does.
    let mut other = peer(
        &server.url,
        &["publish", "bridge.sensors.kitchen.humidity", "5"],
    );
    let mut kitchen = peer(
        &server.url,
        &["publish", "bridge.sensors.kitchen.temp", "200"],
    );
    assert!(kitchen.0.wait().unwrap().success());
    let mut got = Vec::new();
    while got.len() < 200 {
        let (subject, n) = rx.recv_timeout(PATIENCE).expect("every message arrives");
        assert_eq!(subject, "bridge.sensors.kitchen.temp");
        got.push(n);
    }
    assert_eq!(got, (0..200).collect::<Vec<u64>>(), "in order, none lost");
    assert!(other.0.wait().unwrap().success());
    nats.flush_blocking().unwrap();
    assert!(
        rx.recv_timeout(Duration::from_millis(200)).is_err(),
        "humidity is not temp"
    );
    assert_eq!(feed.stats().received, 200);
    assert_eq!(feed.stats().malformed, 0);
}

#[test]
fn ask_reaches_an_actor_in_another_process_and_never_hangs() {
    let Some(server) = NatsServer::start("ask", &[]) else {
        return;
    };
    let nats = Nats::connect(&server.url).unwrap();
    let mut counter = peer(&server.url, &["counter", "ask.counter"]);
    let remote = nats.remote::<Option<u64>, u64>("ask.counter");
    for n in 1..=10 {
        remote.send_blocking(&Some(n)).unwrap();
    }
    // An ask is queued behind the sends in the actor's mailbox.
    assert_eq!(remote.ask_timeout(&None, PATIENCE), Ok(55));

    // Nobody serves this subject: told at once.
    let nobody = nats.remote::<Option<u64>, u64>("ask.nobody");
    assert!(matches!(
        nobody.ask_timeout(&None, PATIENCE),
        Err(AskError::NoResponders { .. })
    ));

    // The actor's process dies: its subject has no responders any more.
    counter.0.kill().unwrap();
    counter.0.wait().unwrap();
    let after = remote.ask_timeout(&None, Duration::from_secs(2));
    assert!(
        matches!(
            after,
            Err(AskError::NoResponders { .. }) | Err(AskError::TimedOut { .. })
        ),
        "{after:?}"
    );
}

#[test]
fn an_actor_that_is_gone_answers_with_an_error() {
    let Some(server) = NatsServer::start("closed", &[]) else {
        return;
    };
    let nats = Nats::connect(&server.url).unwrap();
    let _closed = peer(&server.url, &["closed", "closed.counter"]);
    let remote = nats.remote::<Option<u64>, u64>("closed.counter");
    match remote.ask_timeout(&None, PATIENCE) {
        Err(AskError::Remote(why)) => assert!(why.contains("gone"), "{why}"),
        other => panic!("expected a remote error, got {other:?}"),
    }
}

#[test]
fn asks_from_async_code_run_on_any_executor() {
    let Some(server) = NatsServer::start("async", &[]) else {
        return;
    };
    let nats = Nats::connect(&server.url).unwrap();
    let _svc = nats
        .serve("async.double", |n: u32| Ok::<_, String>(n * 2))
        .unwrap();
    let remote = nats.remote::<u32, u32>("async.double");
    // futures' executor: no tokio in sight on this thread.
    let answers = futures::executor::block_on(async {
        let mut out = Vec::new();
        for n in 0..5 {
            out.push(remote.ask(&n, PATIENCE).await.unwrap());
        }
        out
    });
    assert_eq!(answers, [0, 2, 4, 6, 8]);
    let failing = nats
        .serve("async.fail", |_: u32| {
            Err::<u32, _>("no such thing".to_owned())
        })
        .unwrap();
    let remote = nats.remote::<u32, u32>("async.fail");
    assert_eq!(
        remote.ask_timeout(&1, PATIENCE),
        Err(AskError::Remote("no such thing".into()))
    );
    drop(failing);
}

#[test]
fn a_payload_over_max_payload_is_an_error_at_the_call() {
    let Some(server) = NatsServer::start("payload", &[]) else {
        return;
    };
    let nats = Nats::connect(&server.url).unwrap();
    let max = nats.max_payload();
    assert!(max > 0);
    let big = vec![7u8; max + 1];
    let remote = nats.remote::<Vec<u8>, ()>("payload.sink");
    match remote.send_blocking(&big) {
        Err(PublishError::TooLarge { len, max_payload }) => {
            assert!(len > max_payload);
            assert_eq!(max_payload, max);
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    assert!(matches!(
        remote.ask_timeout(&big, PATIENCE),
        Err(AskError::Publish(PublishError::TooLarge { .. }))
    ));
    // And through the bridge: the exchange counts it as refused, nothing is sent.
    let out = nats.publisher::<Vec<u8>>("payload.sink").unwrap();
    use spindle_core::exchange::Subscriber;
    assert!(out.try_deliver(&big).is_err());
    assert_eq!(out.refused(), 1);
    assert!(matches!(
        out.last_error(),
        Some(PublishError::TooLarge { .. })
    ));
    // An answer over the limit: the asker is told so, instead of waiting in vain.
    let _big = nats
        .serve("payload.big", |n: usize| Ok::<_, String>(vec![1u8; n]))
        .unwrap();
    let asker = nats.remote::<usize, Vec<u8>>("payload.big");
    assert_eq!(asker.ask_timeout(&4, PATIENCE), Ok(vec![1u8; 4]));
    match asker.ask_timeout(&(max + 1), PATIENCE) {
        Err(AskError::Remote(why)) => assert!(why.contains("max_payload"), "{why}"),
        other => panic!("expected the serving side's error, got {other:?}"),
    }
}

#[test]
fn a_refused_connection_is_a_clear_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("nats://127.0.0.1:{port}");
    let err = Nats::options()
        .connect_timeout(Duration::from_secs(2))
        .connect(&url)
        .unwrap_err();
    assert_eq!(err.kind, ConnectErrorKind::Unreachable, "{err}");
    assert!(err.to_string().contains(&url), "{err}");
    let bad = Nats::connect("not a url at all").unwrap_err();
    assert_eq!(bad.kind, ConnectErrorKind::BadUrl, "{bad}");
}

#[test]
fn credentials_come_from_the_url_and_wrong_ones_are_refused() {
    let Some(server) = NatsServer::start("auth", &["--user", "ada", "--pass", "s3cret"]) else {
        return;
    };
    let host = server.url.trim_start_matches("nats://");
    let wrong = Nats::connect(&format!("nats://ada:wrong@{host}")).unwrap_err();
    assert_eq!(wrong.kind, ConnectErrorKind::Auth, "{wrong}");
    assert!(
        !wrong.to_string().contains("wrong"),
        "the password is not shown"
    );
    let none = Nats::connect(&server.url).unwrap_err();
    assert_eq!(none.kind, ConnectErrorKind::Auth, "{none}");
    let nats = Nats::connect(&format!("nats://ada:s3cret@{host}")).unwrap();
    let _svc = nats
        .serve("auth.echo", |s: String| Ok::<_, String>(s))
        .unwrap();
    let echo = nats.remote::<String, String>("auth.echo");
    assert_eq!(echo.ask_timeout(&"hi".into(), PATIENCE), Ok("hi".into()));
    let opts = Nats::options()
        .user_password("ada", "s3cret")
        .connect(&server.url)
        .unwrap();
    drop(opts);
}

#[test]
fn the_json_codec_speaks_to_services_in_other_languages() {
    let Some(server) = NatsServer::start("json", &[]) else {
        return;
    };
    let json = Nats::options()
        .codec(Codec::Json)
        .connect(&server.url)
        .unwrap();
    // A "foreign" service: raw JSON in, raw JSON out.
    let (tx, rx) = mpsc::channel();
    let _feed = json
        .feed("json.raw", move |_: &str, v: serde_json::Value| {
            tx.send(v).unwrap()
        })
        .unwrap();
    #[derive(serde::Serialize)]
    struct Reading {
        room: &'static str,
        celsius: f32,
    }
    json.remote::<Reading, ()>("json.raw")
        .send_blocking(&Reading {
            room: "kitchen",
            celsius: 21.5,
        })
        .unwrap();
    let v = rx.recv_timeout(PATIENCE).unwrap();
    assert_eq!(v, serde_json::json!({"room": "kitchen", "celsius": 21.5}));
}
