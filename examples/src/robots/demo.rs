//! The robots job's part of recipe 12.8's tour section: generate small sample
//! logs in a temporary directory, run the job in all three modes, check that
//! they agree with each other and with what the generator wrote, and show the
//! times and speedups.

use std::fs;
use std::io::{self, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::generate::{generate, GenerateOptions};
use super::run::{Mode, Settings};
use super::{find_robots, Report};
use crate::{failed, ms};

/// Small enough for the tour's debug builds, large enough to show a speedup.
const DEMO: GenerateOptions = GenerateOptions {
    files: 4,
    lines: 25_000,
    seed: 12,
};

/// A scratch directory, removed on drop.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Writes the robots part of the 12.8 section. Process mode needs this program
/// to have called `spindle_std::process::init` with
/// [`workers::registry`](crate::workers::registry) (the `spindle` binary does).
///
/// ```no_run
/// spindle_std::process::init(spindle_cookbook::workers::registry());
/// spindle_cookbook::robots::demo::write_demo(&mut std::io::stdout()).unwrap();
/// ```
pub fn write_demo(out: &mut dyn Write) -> io::Result<()> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = Scratch(std::env::temp_dir().join(format!(
        "spindle-robots-demo-{}-{nanos}",
        std::process::id()
    )));
    let made = generate(&dir.0, &DEMO).map_err(|e| failed(e.to_string()))?;
    writeln!(
        out,
        "robots job: {} generated logs x {} lines; the hosts that asked for /robots.txt:",
        DEMO.files, DEMO.lines
    )?;
    let expected: Vec<Vec<u8>> = made.robots_hosts.into_iter().collect();
    let mut base: Option<Duration> = None;
    for mode in [Mode::Sequential, Mode::Thread, Mode::Process] {
        let t0 = Instant::now();
        let report: Report =
            find_robots(&dir.0, &Settings::new(mode, 2)).map_err(|e| failed(e.to_string()))?;
        let took = t0.elapsed();
        if let Some(e) = report.errors.first() {
            return Err(failed(format!("robots --mode {mode}: {e}")));
        }
        if report.hosts != expected {
            return Err(failed(format!(
                "robots --mode {mode}: {} hosts, the generator wrote {}",
                report.hosts.len(),
                expected.len()
            )));
        }
        let speedup = base.map_or_else(String::new, |b| {
            format!(
                ", {:.2}x sequential",
                b.as_secs_f64() / took.as_secs_f64().max(1e-9)
            )
        });
        base.get_or_insert(took);
        writeln!(
            out,
            "  --mode {mode:<10} {} hosts from {} lines in {}{speedup}",
            report.hosts.len(),
            report.counts.lines,
            ms(took)
        )?;
    }
    writeln!(
        out,
        "  same hosts in every mode, as the generator wrote them; times include \
         starting the pool (ci/bench-robots.sh times 8 files x 200,000 lines)"
    )
}
