//! Parity with the book (recipe 12.12): the `r12_12_generators` example prints
//! exactly what the book's Python prints, for the `TaskScheduler` demo and for the
//! `ActorScheduler` demo. The expected text comes from running
//! `tests/parity/generators.py` with `python3` when it is available, and from the
//! checked-in copies next to it (`generators.txt`, `actors_1000.txt`) otherwise.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use spindle_cookbook::r12_12_generators::{actors, generators};

fn parity_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/parity")
}

/// The Python program's output for `args`, or `None` without a working python3.
fn python(args: &[&str]) -> Option<String> {
    let out = Command::new("python3")
        .arg(parity_dir().join("generators.py"))
        .args(args)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8(out.stdout).ok()
}

/// Python's output, else the checked-in copy (which must match Python's when both
/// are there).
fn expected(args: &[&str], file: &str) -> String {
    let saved = std::fs::read_to_string(parity_dir().join(file))
        .unwrap_or_else(|e| panic!("reading {file}: {e}"));
    match python(args) {
        Some(live) => {
            assert_eq!(live, saved, "{file} is stale: regenerate it with python3");
            live
        }
        None => {
            eprintln!("python3 not available: comparing with the checked-in {file}");
            saved
        }
    }
}

/// The example binary, if cargo built it (a plain `cargo test` does).
fn example_binary() -> Option<PathBuf> {
    let deps = std::env::current_exe().ok()?;
    let dir = deps.parent()?.parent()?.join("examples");
    let bin = dir.join(format!("r12_12_generators{}", std::env::consts::EXE_SUFFIX));
    bin.is_file().then_some(bin)
}

fn run_example(args: &[&str]) -> Option<String> {
    let bin = example_binary()?;
    let out = Command::new(bin)
        .args(args)
        .output()
        .expect("the example runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).expect("utf-8 output"))
}

fn text(f: impl FnOnce(&mut Vec<u8>) -> io::Result<()>) -> String {
    let mut out = Vec::new();
    f(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn task_scheduler_demo_matches_the_book() {
    let want = expected(&[], "generators.txt");
    assert!(want.contains("Blastoff!"));
    assert_eq!(text(|o| generators(o)), want);
    if let Some(got) = run_example(&[]) {
        assert_eq!(got, want, "the example binary with no arguments");
    }
}

#[test]
fn actor_scheduler_demo_matches_the_book() {
    let want = expected(&["actors", "1000"], "actors_1000.txt");
    assert_eq!(text(|o| actors(o, 1000)), want);
    if let Some(got) = run_example(&["actors", "1000"]) {
        assert_eq!(got, want, "the example binary with `actors 1000`");
    }
}

/// Checks `Got: n` down to `Got: 1` as the lines stream past, keeping nothing.
struct Countdown {
    next: u64,
    line: Vec<u8>,
}

impl Write for Countdown {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        for &b in buf {
            if b != b'\n' {
                self.line.push(b);
                continue;
            }
            let want = format!("Got: {}", self.next);
            assert_eq!(self.line, want.as_bytes());
            self.next -= 1;
            self.line.clear();
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_million_messages_in_constant_memory() {
    // Messages, not recursion: this would overflow the test thread's stack if the
    // counter recursed, and the checker keeps no output.
    let mut check = Countdown {
        next: 1_000_000,
        line: Vec::new(),
    };
    actors(&mut check, 1_000_000).unwrap();
    assert_eq!(check.next, 0);
    assert!(check.line.is_empty());
    if example_binary().is_some() {
        let got = run_example(&["actors", "1000000"]).unwrap();
        assert_eq!(got.lines().count(), 1_000_000);
        assert!(got.starts_with("Got: 1000000\nGot: 999999\n"));
        assert!(got.ends_with("Got: 2\nGot: 1\n"));
    }
}
