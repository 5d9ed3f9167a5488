//! The distributed pool (`spindle_std::nats::RemotePool`, recipe 12.8 beyond one
//! machine) against a real `nats-server` with JetStream: worker processes pull the
//! process pool's registered tasks; every handle resolves exactly once when a worker
//! is killed mid-job, when the broker is killed and restarted mid-job, and a task
//! that kills every worker it reaches fails after `max_deliver` deliveries.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use spindle_std::nats::{Nats, RemotePool, RemotePoolError};
use spindle_std::pool::TaskError;
use spindle_std::process::WorkerError;
use spindle_test_support::nats_server::{KillOnDrop as Worker, NatsServer};
use spindle_tests::process_tasks::{SIGKILL_SELF, SLEEP_MS, SQUARE};

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
    let got = poison.result_timeout(Duration::from_secs(30));
    assert_eq!(
        got,
        Err(TaskError::Worker(WorkerError::GaveUp { deliveries: 2 }))
    );
    // The queue is usable afterwards.
    let _healthy = worker(&server.url, "poison", 500, 2);
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
}
