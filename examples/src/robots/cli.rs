//! `spindle robots`: the job's command line (parsing lives here so `main.rs`
//! only names the subcommand).
//!
//! ```text
//! spindle robots DIR [--jobs N] [--mode process|thread|sequential]
//! spindle robots DIR --nats URL          (workers: `spindle worker --nats URL`)
//! spindle robots --generate DIR [--files F] [--lines L] [--seed S]
//! ```
//!
//! Exit status: 0 when every file was read; 1 when the directory could not be
//! read or any file failed (each failure is named on stderr, and the hosts of the
//! files that were read are still printed); 2 for a usage error.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use super::generate::{generate, GenerateOptions};
use super::progress::Progress;
use super::report::Report;
use super::run::{list_logs, scan_all, Mode, Settings, LOG_SUFFIX};

/// The book's choice, a process pool, where there is one.
#[cfg(unix)]
const DEFAULT_MODE: Mode = Mode::Process;
#[cfg(not(unix))]
const DEFAULT_MODE: Mode = Mode::Thread;

/// The arguments of `spindle robots`.
#[derive(Debug, Clone, clap::Args)]
pub struct RobotsArgs {
    /// The directory of `*.log.gz` files to read (with --generate: to write).
    pub dir: PathBuf,
    /// How many files are scanned at once (default: the number of cores).
    #[arg(long, short, value_parser = clap::value_parser!(u32).range(1..=1024), conflicts_with = "generate")]
    pub jobs: Option<u32>,
    /// How the files are spread over the cores.
    #[arg(long, value_enum, default_value_t = DEFAULT_MODE, conflicts_with = "generate")]
    pub mode: Mode,
    /// Run on the distributed pool of this NATS server (workers: `spindle worker
    /// --nats URL` on any machine that sees DIR at the same path).
    #[cfg(all(unix, feature = "nats"))]
    #[arg(long, value_name = "URL", conflicts_with_all = ["generate", "mode", "jobs"])]
    pub nats: Option<String>,
    /// With --nats: seconds a worker may hold one file before the broker gives it
    /// to another (applies when this run creates the pool's queue).
    #[cfg(all(unix, feature = "nats"))]
    #[arg(long, value_name = "SECS", requires = "nats", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub ack_wait: Option<u64>,
    /// Write sample logs into DIR instead of reading it.
    #[arg(long)]
    pub generate: bool,
    /// With --generate: how many files (one per day, from 20120701.log.gz).
    #[arg(long, requires = "generate", value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub files: Option<u32>,
    /// With --generate: lines per file.
    #[arg(long, requires = "generate")]
    pub lines: Option<usize>,
    /// With --generate: the seed (the same seed writes the same files).
    #[arg(long, requires = "generate")]
    pub seed: Option<u64>,
}

/// Runs `spindle robots` and returns its exit status; never panics on bad input.
pub fn execute(args: RobotsArgs) -> ExitCode {
    if args.generate {
        return generate_command(&args);
    }
    let jobs = args.jobs.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        |j| j as usize,
    );
    let files = match list_logs(&args.dir) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("error: robots: {e}");
            return ExitCode::FAILURE;
        }
    };
    if files.is_empty() {
        eprintln!(
            "robots: no *{LOG_SUFFIX} files in {} (try `spindle robots --generate {}`)",
            args.dir.display(),
            args.dir.display()
        );
        return ExitCode::SUCCESS;
    }
    let total: u64 = files.iter().map(|f| f.bytes).sum();
    let progress = Progress::on_stderr(files.len() as u64, total);
    #[allow(unused_mut)]
    let mut settings = Settings::new(args.mode, jobs);
    #[cfg(all(unix, feature = "nats"))]
    {
        settings.nats = args.nats.clone();
        settings.ack_wait = args.ack_wait.map(std::time::Duration::from_secs);
    }
    let results = scan_all(&files, &settings, &progress);
    progress.finish();
    let report = match results {
        Ok(results) => Report::merge(results),
        Err(e) => {
            eprintln!("error: robots: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    match report.write_hosts(&mut out).and_then(|()| out.flush()) {
        Ok(()) => {}
        // `spindle robots logs | head`: the reader has what it wanted.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
        Err(e) => {
            eprintln!("error: robots: writing the hosts: {e}");
            return ExitCode::FAILURE;
        }
    }
    drop(out);
    for e in &report.errors {
        eprintln!("error: robots: {e}");
    }
    eprintln!("{}", report.summary());
    if report.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "error: robots: {} of {} files failed",
            report.errors.len(),
            files.len()
        );
        ExitCode::FAILURE
    }
}

fn generate_command(args: &RobotsArgs) -> ExitCode {
    let defaults = GenerateOptions::default();
    let options = GenerateOptions {
        files: args.files.map_or(defaults.files, |f| f as usize),
        lines: args.lines.unwrap_or(defaults.lines),
        seed: args.seed.unwrap_or(defaults.seed),
    };
    match generate(&args.dir, &options) {
        Ok(made) => {
            println!(
                "robots: wrote {} files of {} lines into {} ({} written as {} gzip members); \
                 {} distinct hosts asked for /robots.txt",
                made.files.len(),
                options.lines,
                args.dir.display(),
                made.multi_member.len(),
                super::generate::MEMBERS,
                made.robots_hosts.len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: robots --generate: {e}");
            ExitCode::FAILURE
        }
    }
}
