//! The robots job (recipe 12.8) through the library, in every mode, against
//! three references: what the generator meant to write, a slow decompress-and-
//! split, and the zcat/awk/sort pipeline (where those tools exist). Then the
//! files that must fail: truncated, not gzip, damaged, missing.

mod robots_support;

use std::fs;
use std::path::Path;

use robots_support::{gzip, lines_of, pipeline_reference, slow_reference};
use spindle_cookbook::robots::generate::{generate, GenerateOptions};
use spindle_cookbook::robots::scan::{scan_file, ScanErrorKind, ScanJob};
use spindle_cookbook::robots::{find_robots, Mode, RunError, Settings};

const MODES: [Mode; 3] = [Mode::Sequential, Mode::Thread, Mode::Process];

/// `mode` with `jobs` workers; process mode runs the `spindle` binary's workers
/// (this test binary does not call `spindle_std::process::init`).
fn settings(mode: Mode, jobs: usize) -> Settings {
    Settings {
        worker_program: Some(env!("CARGO_BIN_EXE_spindle").into()),
        ..Settings::new(mode, jobs)
    }
}

/// Large enough that files cross the scan's 1 MiB text buffer several times.
const OPTS: GenerateOptions = GenerateOptions {
    files: 3,
    lines: 15_000,
    seed: 11,
};

#[test]
fn every_mode_matches_every_reference() {
    let dir = tempfile::tempdir().unwrap();
    let made = generate(dir.path(), &OPTS).unwrap();
    assert_eq!(made.files.len(), 3);
    assert_eq!(made.multi_member.len(), 1);
    // The generator writes what the job must cope with.
    assert!(made.counts.short > 0 && made.counts.not_utf8 > 0);
    assert!(made.robots_hosts.iter().any(|h| h.contains(&b':')), "IPv6");
    assert!(made
        .robots_hosts
        .iter()
        .any(|h| std::str::from_utf8(h).is_err()));

    let expected: Vec<Vec<u8>> = made.robots_hosts.iter().cloned().collect();
    assert_eq!(slow_reference(dir.path()), made.robots_hosts);
    if let Some(pipeline) = pipeline_reference(dir.path()) {
        assert_eq!(pipeline, lines_of(expected.clone()));
    }
    for mode in MODES {
        for jobs in [1, 2, 5] {
            let report = find_robots(dir.path(), &settings(mode, jobs)).unwrap();
            assert!(report.errors.is_empty(), "{mode}: {:?}", report.errors);
            assert_eq!(report.hosts, expected, "{mode} with {jobs} jobs");
            assert_eq!(report.counts, made.counts, "{mode} with {jobs} jobs");
            assert_eq!(report.files, 3);
        }
    }
}

#[test]
fn a_multi_member_file_is_read_to_its_last_member() {
    let dir = tempfile::tempdir().unwrap();
    let line = |host: &str| {
        format!("{host} - - [01/Jul/2012:00:00:00 -0500] \"GET /robots.txt HTTP/1.1\" 200 7\n")
    };
    let mut bytes = gzip(line("10.0.0.1").as_bytes());
    bytes.extend(gzip(b""));
    // A line cut across two members is one line, as zcat prints it.
    let second = line("10.0.0.2");
    let (a, b) = second.split_at(20);
    bytes.extend(gzip(a.as_bytes()));
    bytes.extend(gzip(b.as_bytes()));
    bytes.extend(gzip(line("2001:db8::3").as_bytes()));
    let path = dir.path().join("multi.log.gz");
    fs::write(&path, bytes).unwrap();
    let scan = scan_file(ScanJob { path }).unwrap();
    assert_eq!(
        scan.hosts,
        [
            b"10.0.0.1".to_vec(),
            b"10.0.0.2".to_vec(),
            b"2001:db8::3".to_vec()
        ]
    );
    assert_eq!(scan.counts.lines, 3);
    if let Some(pipeline) = pipeline_reference(dir.path()) {
        assert_eq!(pipeline, lines_of(scan.hosts));
    }
}

/// Generates `OPTS` into a directory, then lets `spoil` damage some of it.
fn with_damage(spoil: impl FnOnce(&Path)) -> (tempfile::TempDir, Vec<Vec<u8>>) {
    let dir = tempfile::tempdir().unwrap();
    let made = generate(
        dir.path(),
        &GenerateOptions {
            lines: 3000,
            ..OPTS
        },
    )
    .unwrap();
    spoil(dir.path());
    let good = slow_reference_of(&made.files[..1]);
    (dir, good)
}

/// The slow reference over just these files.
fn slow_reference_of(files: &[std::path::PathBuf]) -> Vec<Vec<u8>> {
    let only = tempfile::tempdir().unwrap();
    for f in files {
        fs::copy(f, only.path().join(f.file_name().unwrap())).unwrap();
    }
    slow_reference(only.path()).into_iter().collect()
}

#[test]
fn truncated_files_are_errors_and_hide_nothing_else() {
    // Keep day 1 whole; cut day 2 mid-stream and day 3 inside its 8-byte trailer.
    let (dir, good) = with_damage(|dir| {
        for (name, keep) in [("20120702.log.gz", 0.5), ("20120703.log.gz", 1.0)] {
            let path = dir.join(name);
            let bytes = fs::read(&path).unwrap();
            let cut = if keep < 1.0 {
                (bytes.len() as f64 * keep) as usize
            } else {
                bytes.len() - 3
            };
            fs::write(&path, &bytes[..cut]).unwrap();
        }
    });
    for mode in MODES {
        let report = find_robots(dir.path(), &settings(mode, 2)).unwrap();
        assert_eq!(report.hosts, good, "{mode}");
        assert_eq!(report.files, 1);
        let failed: Vec<_> = report
            .errors
            .iter()
            .map(|e| (e.path.file_name().unwrap().to_owned(), e.kind.clone()))
            .collect();
        assert_eq!(
            failed,
            [
                ("20120702.log.gz".into(), ScanErrorKind::Truncated),
                ("20120703.log.gz".into(), ScanErrorKind::Truncated)
            ],
            "{mode}"
        );
        let msg = report.errors[0].to_string();
        assert!(
            msg.contains("20120702.log.gz") && msg.contains("truncated"),
            "{msg}"
        );
    }
}

#[test]
fn non_gzip_empty_and_damaged_files_are_errors() {
    let (dir, good) = with_damage(|dir| {
        fs::write(dir.join("20120702.log.gz"), b"plain text, not gzip\n").unwrap();
        fs::write(dir.join("20120703.log.gz"), b"").unwrap();
        fs::write(dir.join("20120704.log.gz"), [0x1f]).unwrap();
        // A real header and trailer around deflate data with its middle overwritten.
        let mut bytes = gzip(&b"x - - [d z] \"GET /robots.txt HTTP/1.1\" 200 7\n".repeat(5000));
        let mid = bytes.len() / 2;
        bytes[mid - 8..mid + 8].fill(0xff);
        fs::write(dir.join("20120705.log.gz"), bytes).unwrap();
    });
    for mode in MODES {
        let report = find_robots(dir.path(), &settings(mode, 3)).unwrap();
        assert_eq!(report.hosts, good, "{mode}");
        let kinds: Vec<_> = report.errors.iter().map(|e| e.kind.clone()).collect();
        assert_eq!(kinds.len(), 4, "{mode}: {kinds:?}");
        assert_eq!(
            kinds[..3],
            [
                ScanErrorKind::NotGzip,
                ScanErrorKind::NotGzip,
                ScanErrorKind::NotGzip
            ]
        );
        assert!(
            matches!(
                kinds[3],
                ScanErrorKind::Corrupt(_) | ScanErrorKind::Truncated
            ),
            "{mode}: {:?}",
            kinds[3]
        );
        for e in &report.errors {
            assert!(e.to_string().contains(&*e.path.to_string_lossy()), "{e}");
        }
    }
}

#[test]
fn a_missing_directory_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-logs");
    for mode in MODES {
        let err = find_robots(&missing, &settings(mode, 2)).unwrap_err();
        assert!(matches!(err, RunError::Dir { .. }), "{err:?}");
        assert!(err.to_string().contains("no-such-logs"), "{err}");
    }
}

#[test]
fn lines_that_are_not_utf8_short_or_long_are_counted_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = Vec::new();
    text.extend_from_slice(
        b"\xff\xfe - - [01/Jul/2012:00:00:00 -0500] \"GET /robots.txt HTTP/1.1\" 200 7\n",
    );
    text.extend_from_slice(b"10.0.0.1 - - [01/Jul/2012:00:00:00 -0500] \"GET /robots.txt HTTP/1.1\" 200 7 \"-\" \"Sp\xe9cial\"\n");
    text.extend_from_slice(b"\n   \n10.0.0.9 - -\n");
    // Over 1 MiB, under the 16 MiB limit: judged like any other line.
    text.extend_from_slice(b"10.0.0.2 - - [d z] \"GET /robots.txt ");
    text.extend(std::iter::repeat_n(b'a', 3 << 20));
    text.push(b'\n');
    // Over the limit: skipped and counted, and the line after it is still read.
    text.extend_from_slice(b"10.0.0.3 - - [d z] \"GET /robots.txt ");
    text.extend(std::iter::repeat_n(b'b', 17 << 20));
    text.extend_from_slice(b"\n10.0.0.4 - - [d z] \"GET /robots.txt HTTP/1.1\" 200 7");
    fs::write(dir.path().join("odd.log.gz"), gzip(&text)).unwrap();
    for mode in MODES {
        let report = find_robots(dir.path(), &settings(mode, 2)).unwrap();
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        assert_eq!(
            report.hosts,
            [
                b"10.0.0.1".to_vec(),
                b"10.0.0.2".to_vec(),
                b"10.0.0.4".to_vec(),
                b"\xff\xfe".to_vec()
            ]
        );
        let c = report.counts;
        assert_eq!(
            (c.lines, c.robots, c.short, c.not_utf8, c.overlong),
            (8, 4, 3, 2, 1)
        );
        assert_eq!(c.text_bytes, text.len() as u64);
    }
}

#[test]
fn an_empty_directory_reports_nothing() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("notes.txt"), b"not a log").unwrap();
    for mode in MODES {
        let report = find_robots(dir.path(), &settings(mode, 2)).unwrap();
        assert_eq!(
            (report.files, report.hosts.len(), report.errors.len()),
            (0, 0, 0)
        );
    }
}
