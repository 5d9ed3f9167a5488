//! `spindle`: run the Python Cookbook chapter 12 recipes rewritten with spindle.
//!
//! ```text
//! spindle tour          run every recipe in the book's order
//! spindle run 12.4      run one recipe (by number or module name, e.g. r12_04_locks)
//! spindle list          list the recipes
//! spindle daemon start --pidfile P --log L [--interval SECS]   (and stop, status)
//! spindle echo --engine pool --addr 127.0.0.1:15000 [--workers N]
//! spindle echo --engine coop --addr 127.0.0.1:16000 [--max-line BYTES]
//! spindle robots DIR [--jobs N] [--mode process|thread|sequential]   (recipe 12.8)
//! spindle robots --generate DIR [--files F] [--lines L] [--seed S]
//! spindle robots DIR --nats URL           (the distributed pool; workers below)
//! spindle worker --nats URL [--pool NAME]
//! ```

use std::io::{self, Write};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
use spindle_cookbook::{find, Recipe, RECIPES};

/// Python Cookbook chapter 12 ("Concurrency") recipes, rewritten with spindle.
#[derive(Debug, Parser)]
#[command(name = "spindle", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run every recipe in the book's order, then print a summary.
    Tour,
    /// Run one recipe.
    Run {
        /// The recipe: its number (`12.4`) or module name (`r12_04_locks`, `r12_04`).
        recipe: String,
    },
    /// List the recipes: number, module name and title.
    List,
    /// Recipe 12.14: start, stop or ask after the book's demo daemon.
    #[cfg(unix)]
    Daemon {
        #[command(subcommand)]
        action: spindle_cookbook::r12_14_daemon::DaemonCommand,
    },
    /// Recipe 12.7 (pool) or 12.12 (coop): a TCP echo server; Ctrl-C or SIGTERM
    /// stops it.
    Echo {
        /// How connections are served: `pool` (at most N at once on a thread pool)
        /// or `coop` (every client on one thread, answering `GOT:` + each line).
        #[arg(long, value_enum, default_value = "pool")]
        engine: EchoEngine,
        /// The address to listen on; port 0 picks a free one (printed at start).
        #[arg(long, default_value = "127.0.0.1:15000")]
        addr: String,
        /// Worker threads: at most this many clients are served at once.
        #[arg(long, default_value_t = 128)]
        workers: usize,
        /// (coop) The longest line a client may send, newline included.
        #[arg(long, default_value_t = 8192)]
        max_line: usize,
    },
    /// Recipe 12.8: the hosts that asked for /robots.txt in a directory of
    /// gzip-compressed Apache logs (or, with --generate, write sample logs).
    Robots(spindle_cookbook::robots::cli::RobotsArgs),
    /// A worker of the distributed pool over NATS: serves the cookbook's tasks
    /// (the process pool's, robots included) until Ctrl-C / SIGTERM.
    #[cfg(all(unix, feature = "nats"))]
    Worker {
        /// The NATS server, e.g. nats://127.0.0.1:4222 (credentials: user:pass@host).
        #[arg(long, value_name = "URL")]
        nats: String,
        /// The pool to serve.
        #[arg(long, default_value = spindle_cookbook::robots::distributed::POOL)]
        pool: String,
        /// Seconds a worker may hold a task before the broker gives it to another
        /// (applies when this worker creates the pool's queue).
        #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
        ack_wait: Option<u64>,
    },
}

/// The echo server's engines.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum EchoEngine {
    /// A pool of N worker threads (recipe 12.7).
    Pool,
    /// One thread: cooperative tasks on an I/O reactor (recipe 12.12).
    #[cfg(unix)]
    Coop,
}

/// `spindle echo`: serves until Ctrl-C / SIGTERM, then reports.
fn echo(engine: EchoEngine, addr: &str, workers: usize, max_line: usize) -> io::Result<()> {
    use spindle_std::pool::echo::EchoServer;
    #[cfg(unix)]
    if let EchoEngine::Coop = engine {
        if let Some(e) = bad_ip_literal(addr) {
            return Err(bind_error(addr, e));
        }
        return echo_coop(addr, max_line);
    }
    let _ = (engine, max_line);
    if let Some(e) = bad_ip_literal(addr) {
        return Err(bind_error(addr, e));
    }
    let server = EchoServer::bind(addr, workers)
        .map_err(|e| bind_error(addr, e))?
        .on_event(|e| println!("echo: {e}"));
    server.stop_on_signals()?;
    println!(
        "echo: listening on {} (engine pool, {workers} workers); Ctrl-C or SIGTERM stops",
        server.local_addr()?
    );
    io::stdout().flush()?;
    let report = server.serve()?;
    println!(
        "echo: stopped: {}, {} echoed, at most {} served at once",
        plural(report.connections, "connection"),
        plural(report.bytes, "byte"),
        report.peak_concurrent
    );
    Ok(())
}

/// `1 connection`, `2 connections`.
fn plural(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// An address whose host is all digits and dots but not an IPv4 address
/// (`999.1.1.1:5`): refused before a name lookup that could only fail, slowly.
fn bad_ip_literal(addr: &str) -> Option<io::Error> {
    let host = addr.rsplit_once(':').map_or(addr, |(h, _)| h);
    let digits_and_dots = !host.is_empty() && host.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    (digits_and_dots && host.parse::<std::net::Ipv4Addr>().is_err()).then(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("`{host}` is not an IPv4 address"),
        )
    })
}

/// Says which address could not be used, and how to write one.
fn bind_error(addr: &str, e: io::Error) -> io::Error {
    let hint = if addr.parse::<std::net::SocketAddr>().is_ok() {
        String::new()
    } else if !addr.contains(':') {
        " (no port: write HOST:PORT, e.g. 127.0.0.1:15000; port 0 picks a free one)".to_owned()
    } else {
        " (write HOST:PORT with a valid IP address or host name, e.g. 127.0.0.1:15000)".to_owned()
    };
    io::Error::new(e.kind(), format!("cannot listen on `{addr}`: {e}{hint}"))
}

/// `spindle echo --engine coop`: the book's single-threaded echo server.
#[cfg(unix)]
fn echo_coop(addr: &str, max_line: usize) -> io::Result<()> {
    use spindle_std::io::echo::EchoServer;
    let server = EchoServer::bind(addr)
        .map_err(|e| bind_error(addr, e))?
        .max_line(max_line)
        // A closed stdout must not kill the server (`| head`): log lines are lost.
        .on_event(|e| {
            let _ = writeln!(io::stdout(), "echo: {e}");
        });
    server.stop_on_signals()?;
    println!(
        "echo: listening on {} (engine coop, one thread, lines up to {max_line} bytes); \
         Ctrl-C or SIGTERM stops",
        server.local_addr()?
    );
    io::stdout().flush()?;
    let r = server.serve()?;
    println!(
        "echo: stopped: {}, {} answered, {} sent back, at most {} served at once, {} dropped early",
        plural(r.connections, "connection"),
        plural(r.lines, "line"),
        plural(r.bytes, "byte"),
        r.peak_concurrent,
        r.dropped
    );
    Ok(())
}

fn main() -> ExitCode {
    // Recipe 12.8: a process pool's workers are this binary re-run; here they
    // serve tasks (and never return).
    #[cfg(unix)]
    spindle_std::process::init(spindle_cookbook::workers::registry());
    let cli = Cli::parse();
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let result = match cli.command {
        Command::Tour => tour(&mut out),
        Command::Run { recipe } => match find(&recipe) {
            Some(r) => run_one(&mut out, r).map(|()| true),
            None => {
                drop(out);
                eprintln!("{}", missing_recipe(&recipe));
                return ExitCode::from(2);
            }
        },
        Command::List => list(&mut out).map(|()| true),
        #[cfg(unix)]
        Command::Daemon { action } => {
            // Detaching forks: nothing may hold stdout's lock across it.
            drop(out);
            return spindle_cookbook::r12_14_daemon::execute(action);
        }
        #[cfg(all(unix, feature = "nats"))]
        Command::Worker {
            nats,
            pool,
            ack_wait,
        } => {
            let ack_wait = ack_wait.map(std::time::Duration::from_secs);
            return match spindle_cookbook::worker::run(&nats, &pool, ack_wait) {
                Ok(stats) => {
                    println!(
                        "worker: stopped after {} task(s) ({} malformed message(s) dropped)",
                        stats.done, stats.malformed
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: worker: {e}");
                    ExitCode::FAILURE
                }
            };
        }
        Command::Robots(args) => {
            // The job writes its own stdout (raw host bytes) and stderr.
            drop(out);
            return spindle_cookbook::robots::cli::execute(args);
        }
        Command::Echo {
            engine,
            addr,
            workers,
            max_line,
        } => {
            // The server prints from its workers: don't hold stdout's lock.
            drop(out);
            return match echo(engine, &addr, workers, max_line) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: echo: {e}");
                    ExitCode::FAILURE
                }
            };
        }
    };
    let _ = out.flush();
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        // Output piped into something that stopped reading (`spindle tour | head`).
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The chapter's recipes are 12.1 to 12.14.
const BOOK_RECIPES: std::ops::RangeInclusive<u32> = 1..=14;

/// Why `spindle run QUERY` found nothing: a recipe of the book that is not built
/// yet, or no such recipe. One short line either way.
fn missing_recipe(query: &str) -> String {
    match book_number(query) {
        Some(n) if BOOK_RECIPES.contains(&n) => format!(
            "error: recipe 12.{n} is in the book but not built yet; `spindle list` shows the built ones"
        ),
        _ => format!(
            "error: unknown recipe `{}`; the book's are 12.1 to 12.14 (`spindle list` shows the built ones)",
            shorten(query.trim(), 40)
        ),
    }
}

/// The recipe number `N` a query names in the forms `find` accepts (`12.N`,
/// `12.0N`, `r12_0N`, `r12_0N_anything`), whether or not it is built.
fn book_number(query: &str) -> Option<u32> {
    let q = query.trim().to_ascii_lowercase();
    let n = if let Some(rest) = q.strip_prefix("12.") {
        rest
    } else {
        let rest = q.strip_prefix("r12_")?;
        rest.split('_').next()?
    };
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) || n.len() > 3 {
        return None;
    }
    n.parse().ok()
}

/// `s`, cut to at most `max` characters with an ellipsis.
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let head: String = s.chars().take(max).collect();
        format!("{head}...")
    }
}

fn run_one(out: &mut dyn Write, recipe: &Recipe) -> io::Result<()> {
    (recipe.run)(out).map_err(|e| match e.kind() {
        io::ErrorKind::BrokenPipe => e,
        _ => io::Error::other(format!("recipe {} failed: {e}", recipe.id)),
    })
}

/// Runs every recipe; `Ok(false)` if any failed (the rest still run).
fn tour(out: &mut dyn Write) -> io::Result<bool> {
    let t0 = Instant::now();
    let mut failed = Vec::new();
    for (i, recipe) in RECIPES.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        if let Err(e) = run_one(out, recipe) {
            if e.kind() == io::ErrorKind::BrokenPipe {
                return Err(e);
            }
            out.flush()?;
            eprintln!("error: {e}");
            failed.push(recipe.id);
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    writeln!(out)?;
    if failed.is_empty() {
        writeln!(
            out,
            "tour: {} recipes ran, all ok, in {:.1} ms",
            RECIPES.len(),
            secs * 1e3
        )?;
    } else {
        writeln!(
            out,
            "tour: {} recipes ran, {} failed ({}), in {:.1} ms",
            RECIPES.len(),
            failed.len(),
            failed.join(", "),
            secs * 1e3
        )?;
    }
    Ok(failed.is_empty())
}

fn list(out: &mut dyn Write) -> io::Result<()> {
    // Columns as wide as their widest entry, so they line up whatever is added.
    let id_w = RECIPES.iter().map(|r| r.id.len()).max().unwrap_or(0);
    let name_w = RECIPES.iter().map(|r| r.name.len()).max().unwrap_or(0);
    for r in RECIPES {
        writeln!(out, "{:<id_w$}  {:<name_w$}  {}", r.id, r.name, r.title)?;
    }
    Ok(())
}
