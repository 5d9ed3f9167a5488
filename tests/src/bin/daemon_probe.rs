//! A tiny daemon for the recipe 12.14 tests (`tests/daemon.rs`): it daemonizes
//! first thing in `main`, with a cleanup hook that writes a marker file, and
//! reports what a test wants to check in its log.
//!
//! ```text
//! daemon_probe PIDFILE LOG MARKER [--threads] [--umask OCTAL] [--workdir DIR]
//!              [--return-after-ms N]
//! ```
//!
//! The original process prints `pid N` and exits 0 once the daemon is up, or
//! prints the error and exits 1. The daemon logs `cwd=...`, creates `MARKER.new`
//! (mode 0o666 before the umask) and writes `alive` every 20 ms until `SIGTERM`
//! or `SIGINT` (or, with `--return-after-ms`, returns from `main`, dropping its
//! guard). Its cleanup hook writes `cleanup ran` to `MARKER`.

#[cfg(unix)]
fn main() -> std::process::ExitCode {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    use std::process::ExitCode;
    use std::time::{Duration, Instant};

    use spindle_std::daemon::{DaemonBuilder, Detached};

    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        eprintln!("usage: daemon_probe PIDFILE LOG MARKER [options]");
        return ExitCode::from(2);
    }
    let (pidfile, log, marker) = (&args[0], &args[1], args[2].clone());
    let option = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    // Keeps a second thread alive while daemonize runs, to prove it refuses.
    let _extra = args.iter().any(|a| a == "--threads").then(|| {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        (tx, std::thread::spawn(move || rx.recv()))
    });

    let mut builder = DaemonBuilder::new(pidfile).stdout(log).stderr(log);
    if let Some(mask) = option("--umask") {
        match u32::from_str_radix(&mask, 8) {
            Ok(mask) => builder = builder.umask(mask),
            Err(e) => {
                eprintln!("bad --umask: {e}");
                return ExitCode::from(2);
            }
        }
    }
    if let Some(dir) = option("--workdir") {
        builder = builder.working_directory(dir);
    }
    let hook_marker = marker.clone();
    builder = builder.cleanup(move || {
        let _ = std::fs::write(&hook_marker, "cleanup ran\n");
    });

    let daemon = match builder.detach() {
        Ok(Detached::Parent { pid }) => {
            println!("pid {pid}");
            return ExitCode::SUCCESS;
        }
        Ok(Detached::Daemon(daemon)) => daemon,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };

    let mut out = std::io::stdout();
    let cwd = std::env::current_dir().map(|d| d.display().to_string());
    let _ = writeln!(out, "cwd={}", cwd.unwrap_or_else(|e| e.to_string()));
    let _ = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o666)
        .open(format!("{marker}.new"));
    let return_after = option("--return-after-ms")
        .and_then(|ms| ms.parse().ok())
        .map(Duration::from_millis);
    let t0 = Instant::now();
    loop {
        let _ = writeln!(out, "alive");
        if return_after.is_some_and(|d| t0.elapsed() >= d) {
            daemon.shutdown();
            return ExitCode::SUCCESS;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(not(unix))]
fn main() {}
