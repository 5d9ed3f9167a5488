//! `spindle robots` run as a user would: the output of every mode against the
//! references, exit codes, and error messages that name the file (no panics, no
//! backtraces).

mod robots_support;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use robots_support::{lines_of, pipeline_reference, slow_reference};
use spindle_cookbook::robots::generate::{generate, GenerateOptions};

const SPINDLE: &str = env!("CARGO_BIN_EXE_spindle");
const MODES: [&str; 3] = ["sequential", "thread", "process"];

fn spindle(args: &[&str]) -> Output {
    Command::new(SPINDLE)
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("the spindle binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn path(p: &Path) -> &str {
    p.to_str().expect("temp paths are UTF-8")
}

/// No panic message and no backtrace, whatever the user got wrong.
fn assert_clean(out: &Output) {
    let err = text(&out.stderr);
    assert!(
        !err.contains("panicked") && !err.contains("backtrace") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
}

#[test]
fn every_mode_prints_the_reference_hosts() {
    let dir = tempfile::tempdir().unwrap();
    let made = generate(
        dir.path(),
        &GenerateOptions {
            files: 3,
            lines: 4000,
            seed: 3,
        },
    )
    .unwrap();
    let expected = lines_of(made.robots_hosts.clone());
    assert_eq!(slow_reference(dir.path()), made.robots_hosts);
    if let Some(pipeline) = pipeline_reference(dir.path()) {
        assert_eq!(text(&pipeline), text(&expected));
    }
    for mode in MODES {
        for jobs in ["1", "3"] {
            let out = spindle(&["robots", path(dir.path()), "--mode", mode, "--jobs", jobs]);
            assert!(out.status.success(), "{mode}: {}", text(&out.stderr));
            assert_eq!(out.stdout, expected, "{mode} --jobs {jobs}");
            let err = text(&out.stderr);
            let summary = format!(
                "robots: {} hosts from 3 files ({} lines, {} robots.txt requests); skipped {} lines",
                made.robots_hosts.len(),
                made.counts.lines,
                made.counts.robots,
                made.counts.short
            );
            assert!(err.contains(&summary), "{err}");
            assert!(
                err.contains(&format!("{} lines not UTF-8", made.counts.not_utf8)),
                "{err}"
            );
            // stderr is a pipe here: no progress bar drawn.
            assert!(!err.contains('\r') && !err.contains('\x1b'), "{err:?}");
        }
    }
    // The default mode prints the same.
    assert_eq!(spindle(&["robots", path(dir.path())]).stdout, expected);
}

#[test]
fn generate_writes_deterministic_files_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for d in [&a, &b] {
        let out = spindle(&[
            "robots",
            "--generate",
            path(d),
            "--files",
            "2",
            "--lines",
            "500",
            "--seed",
            "9",
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let said = text(&out.stdout);
        assert!(said.contains("wrote 2 files of 500 lines"), "{said}");
        assert!(said.contains("1 written as 3 gzip members"), "{said}");
    }
    for name in ["20120701.log.gz", "20120702.log.gz"] {
        assert_eq!(
            fs::read(a.join(name)).unwrap(),
            fs::read(b.join(name)).unwrap()
        );
    }
}

#[test]
fn bad_files_are_named_and_the_good_files_still_print() {
    let dir = tempfile::tempdir().unwrap();
    let made = generate(
        dir.path(),
        &GenerateOptions {
            files: 1,
            lines: 2000,
            seed: 4,
        },
    )
    .unwrap();
    fs::write(dir.path().join("20120801.log.gz"), b"not gzip at all").unwrap();
    let good = fs::read(&made.files[0]).unwrap();
    fs::write(dir.path().join("20120802.log.gz"), &good[..good.len() / 2]).unwrap();
    for mode in MODES {
        let out = spindle(&["robots", path(dir.path()), "--mode", mode]);
        assert_eq!(out.status.code(), Some(1), "{mode}");
        assert_clean(&out);
        assert_eq!(out.stdout, lines_of(made.robots_hosts.clone()), "{mode}");
        let err = text(&out.stderr);
        assert!(
            err.contains("20120801.log.gz: not a gzip file"),
            "{mode}: {err}"
        );
        assert!(
            err.contains("20120802.log.gz: truncated gzip file"),
            "{mode}: {err}"
        );
        assert!(err.contains("2 of 3 files failed"), "{mode}: {err}");
    }
}

#[test]
fn a_missing_directory_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let out = spindle(&["robots", path(&missing)]);
    assert_eq!(out.status.code(), Some(1));
    assert_clean(&out);
    assert!(out.stdout.is_empty());
    let err = text(&out.stderr);
    assert!(
        err.starts_with("error: robots: cannot read the directory"),
        "{err}"
    );
    assert!(err.contains(path(&missing)), "{err}");
}

#[test]
fn an_empty_directory_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = spindle(&["robots", path(dir.path())]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    assert!(text(&out.stderr).contains("no *.log.gz files in"));
}

#[test]
fn usage_errors_exit_2_without_a_backtrace() {
    let dir = tempfile::tempdir().unwrap();
    let d = path(dir.path());
    for args in [
        vec!["robots"],
        vec!["robots", d, "--mode", "fork"],
        vec!["robots", d, "--jobs", "0"],
        vec!["robots", d, "--jobs", "many"],
        vec!["robots", d, "--files", "3"],
        vec!["robots", "--generate", d, "--mode", "thread"],
        vec!["robots", "--generate", d, "--files", "0"],
    ] {
        let out = spindle(&args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert_clean(&out);
        assert!(text(&out.stderr).starts_with("error:"), "{args:?}");
    }
}

#[test]
fn the_12_8_tour_section_runs_the_job_in_every_mode() {
    let out = spindle(&["run", "12.8"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    for mode in MODES {
        let line = said
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("--mode {mode} ")))
            .unwrap_or_else(|| panic!("no {mode} line:\n{said}"));
        assert!(line.contains("hosts from 100000 lines"), "{line}");
    }
    assert!(said.contains("same hosts in every mode"), "{said}");
}
