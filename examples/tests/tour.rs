//! Runs the `spindle` binary as a user would.

use std::process::{Command, Output};

fn spindle(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spindle"))
        .args(args)
        .output()
        .expect("the spindle binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const HEADINGS: &[&str] = &[
    "== 12.1 Threads: starting and stopping them ==",
    "== 12.2 Events: knowing when a thread has started ==",
    "== 12.3 Queues: communicating between threads ==",
    "== 12.4 Locks: guarding critical sections ==",
    "== 12.5 Deadlock avoidance: acquiring locks in one global order ==",
    "== 12.6 Thread-local state: one connection per thread ==",
    "== 12.7 Thread pools: a bounded set of workers ==",
    "== 12.8 Process pools: isolated workers that survive a crash ==",
    "== 12.9 Offloading CPU work: an I/O thread and a pool ==",
    "== 12.10 Actors: mailboxes, close/join and request/response ==",
    "== 12.11 Publish/subscribe: exchanges, taps and topic patterns ==",
    "== 12.12 Generators as tasks: a cooperative scheduler ==",
    "== 12.13 Polling queues: one thread waits on many ==",
    "== 12.14 Daemons: detaching, a locked pidfile and clean shutdown ==",
];

#[test]
fn tour_runs_every_recipe_in_order() {
    let out = spindle(&["tour"]);
    let stdout = text(&out.stdout);
    assert!(
        out.status.success(),
        "tour failed:\n{stdout}\n{}",
        text(&out.stderr)
    );
    let positions: Vec<usize> = HEADINGS
        .iter()
        .map(|h| {
            stdout
                .find(h)
                .unwrap_or_else(|| panic!("missing {h}:\n{stdout}"))
        })
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{stdout}");
    let last = stdout.lines().last().unwrap_or_default();
    assert!(
        last.starts_with(&format!("tour: {} recipes ran, all ok", HEADINGS.len())),
        "summary: {last}"
    );
}

#[test]
fn run_one_recipe_by_number_or_name() {
    for id in ["12.5", "r12_05_deadlock"] {
        let out = spindle(&["run", id]);
        let stdout = text(&out.stdout);
        assert!(out.status.success(), "run {id}: {}", text(&out.stderr));
        let heading = HEADINGS.iter().find(|h| h.starts_with("== 12.5 "));
        assert!(stdout.starts_with(heading.unwrap()), "{stdout}");
        assert!(!stdout.contains(HEADINGS[0]));
        assert!(stdout.contains("lock order violation"));
    }
}

#[test]
fn unknown_recipe_fails_helpfully() {
    let out = spindle(&["run", "12.99"]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("unknown recipe `12.99`"), "{stderr}");
    assert!(stderr.contains("spindle list"), "{stderr}");
    assert!(
        stderr.lines().all(|l| l.len() <= 120),
        "one short line, not the whole registry: {stderr}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn list_names_every_recipe() {
    let out = spindle(&["list"]);
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    for name in [
        "r12_01_threads",
        "r12_02_events",
        "r12_03_queues",
        "r12_04_locks",
        "r12_05_deadlock",
        "r12_06_thread_local",
        "r12_07_thread_pool",
        "r12_09_offload",
        "r12_11_pubsub",
        "r12_12_generators",
        "r12_14_daemon",
    ] {
        assert!(stdout.contains(name), "{stdout}");
    }
    assert_eq!(stdout.lines().count(), HEADINGS.len());
}

#[test]
fn missing_subcommand_is_a_usage_error() {
    let out = spindle(&[]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("Usage"));
}
