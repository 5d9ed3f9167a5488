//! What individual tour sections promise a reader (issue 9's "tour friction"
//! findings): a deliberate panic does not look like a crash, the README's
//! supervisor and shared registry are shown, printed commands work as typed, and
//! figures that vary on a busy machine say so.

use std::process::{Command, Output};

fn run(recipe: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spindle"))
        .args(["run", recipe])
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("the spindle binary runs")
}

fn ok(recipe: &str) -> (String, String) {
    let out = run(recipe);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(out.status.success(), "run {recipe}: {stderr}");
    (stdout, stderr)
}

#[test]
fn deliberate_panics_print_no_report_or_backtrace() {
    for recipe in ["12.7", "12.10"] {
        let (stdout, stderr) = ok(recipe);
        assert!(
            !stderr.contains("panicked") && !stderr.contains("backtrace"),
            "{recipe} printed a panic report:\n{stderr}"
        );
        assert!(stdout.contains("deliberate"), "{stdout}");
    }
}

#[test]
fn actors_section_shows_the_supervisor_and_repeated_asks() {
    let (stdout, _) = ok("12.10");
    assert!(stdout.contains("Supervisor(OnPanic"), "{stdout}");
    assert!(stdout.contains("summed 7 + 8 = 15"), "{stdout}");
    assert!(stdout.contains("gave up after 2 restarts"), "{stdout}");
    assert!(stdout.contains("asked 4 times: [2, 4, 8, 16]"), "{stdout}");
    // The ring's message count is explained.
    assert!(stdout.contains("plus its arrival back"), "{stdout}");
}

#[test]
fn pubsub_section_shows_the_shared_registry() {
    let (stdout, _) = ok("12.11");
    assert!(
        stdout.contains("SharedRegistry: 20 exchanges named at run time"),
        "{stdout}"
    );
    assert!(
        stdout.contains("followed all 20 and got 20 readings"),
        "{stdout}"
    );
}

#[test]
fn figures_that_depend_on_the_machine_say_so() {
    let (stdout, _) = ok("12.9");
    assert!(
        stdout.contains("the point is the live I/O thread, not speed"),
        "{stdout}"
    );
    let (stdout, _) = ok("12.2");
    assert!(stdout.contains("FIFO among its waiters"), "{stdout}");
}

#[cfg(unix)]
#[test]
fn daemon_section_prints_commands_that_work_as_typed() {
    let (stdout, _) = ok("12.14");
    assert!(!stdout.contains("$TMP"), "{stdout}");
    let line = stdout
        .lines()
        .find(|l| l.contains("try it:"))
        .unwrap_or_else(|| panic!("no command to try:\n{stdout}"));
    // Every `spindle daemon start` printed names the flags it needs.
    for cmd in stdout
        .split('`')
        .filter(|c| c.starts_with("spindle daemon start"))
    {
        assert!(
            cmd.contains("--pidfile ") && cmd.contains("--log "),
            "{cmd}"
        );
    }
    // And the suggested one works: start, status, stop in a directory of our own.
    let dir = std::env::temp_dir().join(format!("spindle-tour-try-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let start = line.split('`').nth(1).unwrap().to_owned();
    let pid = dir.join("t.pid").to_string_lossy().into_owned();
    let log = dir.join("t.log").to_string_lossy().into_owned();
    let mut args: Vec<String> = start
        .split_whitespace()
        .skip(1)
        .map(str::to_owned)
        .collect();
    // Same command, our own paths (so parallel runs cannot clash).
    for (flag, path) in [("--pidfile", &pid), ("--log", &log)] {
        let i = args.iter().position(|a| a == flag).unwrap();
        args[i + 1] = path.clone();
    }
    let spindle = |a: &[String]| {
        Command::new(env!("CARGO_BIN_EXE_spindle"))
            .args(a)
            .output()
            .unwrap()
    };
    assert!(spindle(&args).status.success(), "{args:?}");
    let status = spindle(&[
        "daemon".into(),
        "status".into(),
        "--pidfile".into(),
        pid.clone(),
    ]);
    assert_eq!(status.status.code(), Some(0));
    let stop = spindle(&[
        "daemon".into(),
        "stop".into(),
        "--pidfile".into(),
        pid.clone(),
    ]);
    assert!(stop.status.success());
    let _ = std::fs::remove_dir_all(&dir);
}
