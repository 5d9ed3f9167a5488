//! Recipe 12.14: `cargo run -p spindle-cookbook --example r12_14_daemon` runs the
//! start / status / stop demo in a temporary directory, re-running this example as
//! the daemon (`r12_14_daemon daemon start|stop|status ...` works like
//! `spindle daemon ...`).

#[cfg(unix)]
fn main() -> std::process::ExitCode {
    use clap::Parser;
    use spindle_cookbook::r12_14_daemon::{execute, run, DaemonCommand};

    #[derive(Debug, Parser)]
    #[command(name = "r12_14_daemon")]
    struct Cli {
        #[command(subcommand)]
        command: Option<Sub>,
    }

    #[derive(Debug, clap::Subcommand)]
    enum Sub {
        /// Start, stop or ask after the demo daemon.
        Daemon {
            #[command(subcommand)]
            action: DaemonCommand,
        },
    }

    match Cli::parse().command {
        Some(Sub::Daemon { action }) => execute(action),
        None => match run(&mut std::io::stdout().lock()) {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                std::process::ExitCode::FAILURE
            }
        },
    }
}

#[cfg(not(unix))]
fn main() {
    eprintln!("recipe 12.14 (daemons) needs a Unix system");
}
