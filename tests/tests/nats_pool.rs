//! The distributed pool (`spindle_std::nats::RemotePool`, recipe 12.8 beyond one
//! machine) against a real `nats-server` with JetStream: worker processes pull the
//! process pool's registered tasks; every handle resolves exactly once when a worker
//! is killed mid-job, when the broker is killed and restarted mid-job, and a task
//! that kills every worker it reaches fails after `max_deliver` deliveries. With the
//! JSON codec, tasks and results are plain JSON that a client in any language reads
//! and answers.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use spindle_std::nats::{Codec, Nats, RemotePool, RemotePoolError};
use spindle_std::pool::TaskError;
use spindle_std::process::WorkerError;
use spindle_test_support::nats_server::{KillOnDrop as Worker, NatsServer};
use spindle_tests::process_tasks::{FAIL, SIGKILL_SELF, SLEEP_MS, SQUARE};

const PEER: &str = env!("CARGO_BIN_EXE_nats_peer");

fn worker(url: &str, pool: &str, ack_ms: u64, max_deliver: u32) -> Worker {
    let mut child = Command::new(PEER)
        .args([
            url,
            "worker",
            pool,
            &ack_ms.to_string(),
            &max_deliver.to_string(),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the worker starts");
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().expect("piped"))
        .read_line(&mut line)
        .expect("the worker talks");
    assert_eq!(line.trim(), "ready");
    Worker(child)
}

#[test]
fn two_workers_answer_submit_and_map_in_order() {
    let Some(server) = NatsServer::start("pool", &[]) else {
        return;
    };
    let nats = Nats::connect(&server.url).unwrap();
    let pool = RemotePool::builder("squares").connect(&nats).unwrap();
    let _w = [
        worker(&server.url, "squares", 30_000, 3),
        worker(&server.url, "squares", 30_000, 3),
    ];
    let handles: Vec<_> = (0..40u64)
        .map(|n| pool.submit(SQUARE, n).unwrap())
        .collect();
    for (n, h) in handles.into_iter().enumerate() {
        assert_eq!(h.result(), Ok((n * n) as u64));
    }
    let mapped: Vec<u64> = pool.map(SQUARE, 0..20u64).map(Result::unwrap).collect();
    assert_eq!(mapped, (0..20u64).map(|n| n * n).collect::<Vec<_>>());
    assert_eq!(pool.pending(), 0);
}

#[test]
fn a_worker_killed_mid_job_loses_nothing() {
    let Some(server) = NatsServer::start("kill", &[]) else {
        return;
    };
    let nats = Nats::connect(&server.url).unwrap();
    let pool = RemotePool::builder("sleepers")
        .ack_wait(Duration::from_millis(800))
        .connect(&nats)
        .unwrap();
    let mut doomed = worker(&server.url, "sleepers", 800, 5);
    let _survivor = worker(&server.url, "sleepers", 800, 5);
    let handles: Vec<_> = (0..16u64)
        .map(|n| pool.submit(SLEEP_MS, 50 + n).unwrap())
        .collect();
    // Let both workers take tasks, then kill one in the middle of its task.
    std::thread::sleep(Duration::from_millis(150));
    doomed.0.kill().unwrap();
    doomed.0.wait().unwrap();
    for (n, h) in handles.into_iter().enumerate() {
        let got = h.result_timeout(Duration::from_secs(30));
        assert_eq!(got, Ok(50 + n as u64), "task {n}");
    }
    assert_eq!(pool.pending(), 0);
}

#[test]
fn a_broker_restart_mid_job_loses_nothing() {
    let Some(mut server) = NatsServer::start("restart", &[]) else {
        return;
    };
    let nats = Nats::connect(&server.url).unwrap();
    let pool = RemotePool::builder("survivors")
        .ack_wait(Duration::from_secs(5))
        .connect(&nats)
        .unwrap();
    let _w = [
        worker(&server.url, "survivors", 5_000, 5),
        worker(&server.url, "survivors", 5_000, 5),
    ];
    let handles: Vec<_> = (0..20u64)
        .map(|n| pool.submit(SLEEP_MS, 40 + n).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    server.restart();
    for (n, h) in handles.into_iter().enumerate() {
        let got = h.result_timeout(Duration::from_secs(60));
        assert_eq!(got, Ok(40 + n as u64), "task {n}");
    }
    // And the pool keeps working after the restart.
    assert_eq!(
        pool.submit(SQUARE, 12)
            .unwrap()
            .result_timeout(Duration::from_secs(30)),
        Ok(144)
    );
}

#[test]
fn a_task_that_kills_every_worker_fails_after_max_deliver() {
    let Some(server) = NatsServer::start("poison", &[]) else {
        return;
    };
    let nats = Nats::connect(&server.url).unwrap();
    let pool = RemotePool::builder("poison")
        .ack_wait(Duration::from_millis(500))
        .max_deliver(2)
        .connect(&nats)
        .unwrap();
    let poison = pool.submit(SIGKILL_SELF, ()).unwrap();
    // Each delivery kills its worker; start a fresh one for each.
    let mut workers = Vec::new();
    for _ in 0..2 {
        let mut w = worker(&server.url, "poison", 500, 2);
        let _ = w.0.wait();
        workers.push(w);
    }
    // JetStream notices the used-up deliveries (and says so in its advisory) when it
    // next has a worker asking for a task: start a healthy one. It never gets the
    // poison again.
    let _healthy = worker(&server.url, "poison", 500, 2);
    let got = poison.result_timeout(Duration::from_secs(30));
    assert_eq!(
        got,
        Err(TaskError::Worker(WorkerError::GaveUp { deliveries: 2 }))
    );
    // The queue is usable afterwards.
    assert_eq!(
        pool.submit(SQUARE, 3)
            .unwrap()
            .result_timeout(Duration::from_secs(30)),
        Ok(9)
    );
}

#[test]
fn bad_pool_names_and_oversize_arguments_are_errors_at_the_call() {
    let Some(server) = NatsServer::start("badname", &[]) else {
        return;
    };
    let nats = Nats::connect(&server.url).unwrap();
    assert!(matches!(
        RemotePool::builder("no spaces.or dots").connect(&nats),
        Err(RemotePoolError::BadPoolName(_))
    ));
    let pool = RemotePool::builder("sizes").connect(&nats).unwrap();
    let big = vec![1u8; nats.max_payload() + 10];
    let err = pool
        .submit(spindle_tests::process_tasks::LEN, big)
        .unwrap_err();
    assert!(err.to_string().contains("could not be sent"), "{err}");
    assert_eq!(err.into_inner().len(), nats.max_payload() + 10);
    // A batch: the oversize item comes back with its argument, in its place; the
    // others are stored by the broker (and wait for a worker).
    let big = vec![1u8; nats.max_payload() + 10];
    let mut mixed = pool.submit_all(
        spindle_tests::process_tasks::LEN,
        [vec![1u8; 3], big, vec![2]],
    );
    assert_eq!(mixed.len(), 3);
    assert!(mixed[0].is_ok() && mixed[2].is_ok());
    let err = mixed.remove(1).unwrap_err();
    assert_eq!(err.into_inner().len(), nats.max_payload() + 10);
    assert_eq!(pool.pending(), 2);
    assert!(pool
        .submit_all(SQUARE, std::iter::empty::<u64>())
        .is_empty());
}

#[test]
fn a_json_pool_is_served_by_any_worker_in_json() {
    let Some(server) = NatsServer::start("json", &[]) else {
        return;
    };
    let nats = Nats::options()
        .codec(Codec::Json)
        .connect(&server.url)
        .unwrap();
    let pool = RemotePool::builder("jsonsquares").connect(&nats).unwrap();
    // The workers' own connections speak postcard: each task's header tells them
    // to read it, and answer it, in JSON.
    let _w = [
        worker(&server.url, "jsonsquares", 30_000, 3),
        worker(&server.url, "jsonsquares", 30_000, 3),
    ];
    let mapped: Vec<u64> = pool.map(SQUARE, 0..20u64).map(Result::unwrap).collect();
    assert_eq!(mapped, (0..20u64).map(|n| n * n).collect::<Vec<_>>());
    assert_eq!(
        pool.submit(FAIL, "in json".into()).unwrap().result(),
        Err(TaskError::Panicked("in json".into()))
    );
    assert_eq!(pool.pending(), 0);
}

/// What a worker written in another language does, done with a plain async-nats
/// client (no spindle in the loop): pull a JSON pool's tasks from the `workers`
/// consumer of `SPINDLE_TASKS_<pool>`, read them as plain JSON, publish a JSON
/// result to `spindle.results.<pool>.<client>`, then acknowledge the task.
#[test]
fn a_json_pools_tasks_are_plain_json_that_another_client_answers() {
    use futures::StreamExt;

    let Some(server) = NatsServer::start("polyglot", &[]) else {
        return;
    };
    let nats = Nats::options()
        .codec(Codec::Json)
        .connect(&server.url)
        .unwrap();
    let pool = RemotePool::builder("polyglot").connect(&nats).unwrap();
    let square = pool.submit(SQUARE, 12).unwrap();
    let fail = pool.submit(FAIL, "from afar".into()).unwrap();

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let url = server.url.clone();
    let seen: Vec<serde_json::Value> = rt.block_on(async move {
        let client = async_nats::connect(url).await.unwrap();
        let js = async_nats::jetstream::new(client);
        let consumer: async_nats::jetstream::consumer::PullConsumer = js
            .get_stream("SPINDLE_TASKS_polyglot")
            .await
            .unwrap()
            .get_consumer("workers")
            .await
            .unwrap();
        let mut seen = Vec::new();
        // At most 20 one-second fetches: bounded, whatever happens.
        for _ in 0..20 {
            if seen.len() == 2 {
                break;
            }
            let mut batch = consumer
                .fetch()
                .max_messages(2)
                .expires(Duration::from_secs(1))
                .messages()
                .await
                .unwrap();
            while let Some(msg) = batch.next().await {
                let msg = msg.unwrap();
                let content_type = msg.headers.as_ref().and_then(|h| h.get("Content-Type"));
                assert_eq!(content_type.map(|v| v.as_str()), Some("application/json"));
                let task: serde_json::Value =
                    serde_json::from_slice(&msg.payload).expect("a task is plain JSON");
                let outcome = match task["task"].as_str() {
                    Some("square") => {
                        let n = task["arg"].as_u64().expect("a number argument");
                        serde_json::json!({ "Value": n * n })
                    }
                    Some("fail") => {
                        let why = task["arg"].as_str().expect("a string argument");
                        serde_json::json!({ "Panicked": why })
                    }
                    other => panic!("unexpected task {other:?}"),
                };
                let result = serde_json::json!({ "id": task["id"], "outcome": outcome });
                let subject = format!(
                    "spindle.results.polyglot.{}",
                    task["client"].as_str().expect("the client's name")
                );
                let bytes = serde_json::to_vec(&result).unwrap();
                js.publish(subject, bytes.into())
                    .await
                    .unwrap()
                    .await
                    .unwrap();
                msg.ack().await.unwrap();
                seen.push(task);
            }
        }
        seen
    });
    assert_eq!(seen.len(), 2, "both tasks were pulled: {seen:?}");
    assert_eq!(seen[0]["task"], "square");
    assert_eq!(seen[0]["arg"], 12);
    assert_eq!(seen[1]["arg"], "from afar");
    assert_eq!(square.result(), Ok(144));
    assert_eq!(fail.result(), Err(TaskError::Panicked("from afar".into())));
    assert_eq!(pool.pending(), 0);
}
