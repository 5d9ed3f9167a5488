//! `spindle`: run the Python Cookbook chapter 12 recipes rewritten with spindle.
//!
//! ```text
//! spindle tour          run every recipe in the book's order
//! spindle run 12.4      run one recipe (by number or module name, e.g. r12_04_locks)
//! spindle list          list the recipes
//! spindle daemon start --pidfile P --log L [--interval SECS]   (and stop, status)
//! spindle echo --engine pool --addr 127.0.0.1:15000 [--workers N]
//! spindle robots DIR [--jobs N] [--mode process|thread|sequential]   (recipe 12.8)
//! spindle robots --generate DIR [--files F] [--lines L] [--seed S]
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
    /// Recipe 12.7: a TCP echo server; Ctrl-C or SIGTERM stops it.
    Echo {
        /// How connections are served: `pool` (at most N at once on a thread pool).
        #[arg(long, value_enum, default_value = "pool")]
        engine: EchoEngine,
        /// The address to listen on; port 0 picks a free one (printed at start).
        #[arg(long, default_value = "127.0.0.1:15000")]
        addr: String,
        /// Worker threads: at most this many clients are served at once.
        #[arg(long, default_value_t = 128)]
        workers: usize,
    },
    /// Recipe 12.8: the hosts that asked for /robots.txt in a directory of
    /// gzip-compressed Apache logs (or, with --generate, write sample logs).
    Robots(spindle_cookbook::robots::cli::RobotsArgs),
}

/// The echo server's engines.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum EchoEngine {
    /// A pool of N worker threads (recipe 12.7).
    Pool,
}

/// `spindle echo`: serves until Ctrl-C / SIGTERM, then reports.
fn echo(engine: EchoEngine, addr: &str, workers: usize) -> io::Result<()> {
    use spindle_std::pool::echo::EchoServer;
    let EchoEngine::Pool = engine;
    let server = EchoServer::bind(addr, workers)?.on_event(|e| println!("echo: {e}"));
    server.stop_on_signals()?;
    println!(
        "echo: listening on {} (engine pool, {workers} workers); Ctrl-C or SIGTERM stops",
        server.local_addr()?
    );
    io::stdout().flush()?;
    let report = server.serve()?;
    println!(
        "echo: stopped: {} connections, {} bytes echoed, at most {} served at once",
        report.connections, report.bytes, report.peak_concurrent
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
                eprintln!("{}", unknown_recipe(&recipe));
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
        Command::Robots(args) => {
            // The job writes its own stdout (raw host bytes) and stderr.
            drop(out);
            return spindle_cookbook::robots::cli::execute(args);
        }
        Command::Echo {
            engine,
            addr,
            workers,
        } => {
            // The server prints from its workers: don't hold stdout's lock.
            drop(out);
            return match echo(engine, &addr, workers) {
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

fn unknown_recipe(query: &str) -> String {
    let known: Vec<String> = RECIPES
        .iter()
        .map(|r| format!("{} ({})", r.id, r.name))
        .collect();
    format!(
        "error: unknown recipe `{query}`; known recipes: {}\n(see `spindle list`)",
        known.join(", ")
    )
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
    for r in RECIPES {
        writeln!(out, "{:<6} {:<18} {}", r.id, r.name, r.title)?;
    }
    Ok(())
}
