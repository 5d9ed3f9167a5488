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

const HEADINGS: [&str; 4] = [
    "== 12.2 Events: knowing when a thread has started ==",
    "== 12.3 Queues: communicating between threads ==",
    "== 12.4 Locks: guarding critical sections ==",
    "== 12.5 Deadlock avoidance: acquiring locks in one global order ==",
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
        last.starts_with("tour: 4 recipes ran, all ok"),
        "summary: {last}"
    );
}

#[test]
fn run_one_recipe_by_number_or_name() {
    for id in ["12.5", "r12_05_deadlock"] {
        let out = spindle(&["run", id]);
        let stdout = text(&out.stdout);
        assert!(out.status.success(), "run {id}: {}", text(&out.stderr));
        assert!(stdout.starts_with(HEADINGS[3]), "{stdout}");
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
    assert!(stderr.contains("12.4 (r12_04_locks)"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn list_names_every_recipe() {
    let out = spindle(&["list"]);
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    for name in [
        "r12_02_events",
        "r12_03_queues",
        "r12_04_locks",
        "r12_05_deadlock",
    ] {
        assert!(stdout.contains(name), "{stdout}");
    }
    assert_eq!(stdout.lines().count(), 4);
}

#[test]
fn missing_subcommand_is_a_usage_error() {
    let out = spindle(&[]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("Usage"));
}
