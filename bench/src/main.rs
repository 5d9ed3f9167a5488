//! `spindle-bench`: a quick side-by-side harness over the cases in the library.
//!
//! ```text
//! cargo run --release -p spindle-bench -- [--quick] [--json] [--filter S]
//! ```
//!
//! Method: for every case (whose name contains `S`, with `--filter`) and every peer
//! of it, each side's `iters` is calibrated so one sample takes about the target
//! time (10 ms with `--quick`, 40 ms otherwise); both sides get a warm-up sample;
//! then `rounds` rounds (7 with `--quick`, 15 otherwise) each take one spindle sample
//! and one peer sample, alternating spindle, peer, spindle, peer, ... so that slow
//! drift on a noisy machine lands on both sides alike. A sample is `elapsed / iters`
//! in ns/op; each side reports the median of its samples, and `ratio = spindle /
//! peer` (lower is better for spindle; below 1 spindle wins).
//!
//! Output is a table (`case | spindle ns/op | peer | peer ns/op | ratio`), or with
//! `--json` one object per line:
//! `{"case": "...", "spindle_ns": f, "peer": "...", "peer_ns": f, "ratio": f}`.

use std::process::ExitCode;
use std::time::Duration;

use spindle_bench::{cases, Case, Side};

const HELP: &str = "\
spindle-bench: spindle against peer crates, side by side

USAGE:
    cargo run --release -p spindle-bench -- [OPTIONS]

OPTIONS:
    --quick        fewer, shorter samples (7 rounds of ~10 ms); the suite in seconds
    --json         one JSON object per (case, peer) line instead of the table
    --filter S     only cases whose name contains S (e.g. mutex, event/pingpong)
    --list         list the cases and their peers, run nothing
    -h, --help     this text

Each row alternates spindle and peer samples, reports the median ns/op of each,
and ratio = spindle / peer (lower is better for spindle).";

#[derive(Debug, Default)]
struct Options {
    quick: bool,
    json: bool,
    list: bool,
    filter: Option<String>,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
    let mut opts = Options::default();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => opts.quick = true,
            "--json" => opts.json = true,
            "--list" => opts.list = true,
            "--filter" => {
                opts.filter = Some(args.next().ok_or("--filter needs a value")?);
            }
            "-h" | "--help" => return Ok(None),
            other => match other.strip_prefix("--filter=") {
                Some(value) => opts.filter = Some(value.to_owned()),
                None => return Err(format!("unknown argument `{other}` (try --help)")),
            },
        }
    }
    Ok(Some(opts))
}

/// How long a sample should take, and how many rounds make a row.
#[derive(Debug, Clone, Copy)]
struct Plan {
    target: Duration,
    rounds: usize,
}

impl Plan {
    fn new(quick: bool) -> Self {
        if quick {
            Self {
                target: Duration::from_millis(10),
                rounds: 7,
            }
        } else {
            Self {
                target: Duration::from_millis(40),
                rounds: 15,
            }
        }
    }
}

/// Finds `iters` such that `side(iters)` takes about `target`: doubles until a run
/// takes a tenth of the target (long enough that timer and spawn costs don't
/// dominate), then scales linearly, re-measuring at the scaled count until a run
/// covers at least half the target. The re-measuring matters for threaded sides: a
/// run of a few items can take a millisecond of fixed cost alone (a thread that
/// waits for a core behind a spinning one), which would otherwise fix `iters` at a
/// handful and report that stall as the per-op time.
fn calibrate(side: Side, target: Duration) -> u64 {
    let floor = target / 10;
    let scale = |iters: u64, took: Duration| {
        let scaled = iters as f64 * target.as_secs_f64() / took.as_secs_f64().max(1e-9);
        (scaled as u64).max(1)
    };
    let mut iters: u64 = 1;
    let mut took = side(iters);
    while took < floor && iters < 1 << 40 {
        // Jump faster while the run is far too short.
        iters *= if took < floor / 100 { 16 } else { 2 };
        took = side(iters);
    }
    for _ in 0..8 {
        let scaled = scale(iters, took);
        if took >= target / 2 || scaled <= iters || iters >= 1 << 40 {
            return scaled;
        }
        iters = scaled;
        took = side(iters);
    }
    scale(iters, took)
}

fn ns_per_op(side: Side, iters: u64) -> f64 {
    side(iters).as_nanos() as f64 / iters as f64
}

fn median(samples: &mut [f64]) -> f64 {
    samples.sort_by(f64::total_cmp);
    let n = samples.len();
    if n % 2 == 1 {
        samples[n / 2]
    } else {
        (samples[n / 2 - 1] + samples[n / 2]) / 2.0
    }
}

/// One (case, peer) row: medians of alternating samples.
struct Row {
    case: &'static str,
    spindle_ns: f64,
    peer: &'static str,
    peer_ns: f64,
}

impl Row {
    fn ratio(&self) -> f64 {
        self.spindle_ns / self.peer_ns
    }
}

fn run_case(case: &Case, plan: Plan, mut emit: impl FnMut(Row)) {
    let spindle_iters = calibrate(case.spindle, plan.target);
    for peer in &case.peers {
        let peer_iters = calibrate(peer.side, plan.target);
        // Warm-up: one discarded sample each.
        ns_per_op(case.spindle, spindle_iters);
        ns_per_op(peer.side, peer_iters);
        let mut spindle = Vec::with_capacity(plan.rounds);
        let mut other = Vec::with_capacity(plan.rounds);
        for _ in 0..plan.rounds {
            spindle.push(ns_per_op(case.spindle, spindle_iters));
            other.push(ns_per_op(peer.side, peer_iters));
        }
        emit(Row {
            case: case.name,
            spindle_ns: median(&mut spindle),
            peer: peer.name,
            peer_ns: median(&mut other),
        });
    }
}

/// A JSON string literal for `s`.
fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A JSON number for `x` (JSON has no NaN or infinity).
fn json_num(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.3}")
    } else {
        "null".to_owned()
    }
}

fn print_json(row: &Row) {
    println!(
        "{{\"case\": {}, \"spindle_ns\": {}, \"peer\": {}, \"peer_ns\": {}, \"ratio\": {}}}",
        json_str(row.case),
        json_num(row.spindle_ns),
        json_str(row.peer),
        json_num(row.peer_ns),
        json_num(row.ratio()),
    );
}

const CASE_W: usize = 24;
const NS_W: usize = 13;
const PEER_W: usize = 24;

fn print_header() {
    println!(
        "{:<CASE_W$} | {:>NS_W$} | {:<PEER_W$} | {:>NS_W$} | {:>6}",
        "case", "spindle ns/op", "peer", "peer ns/op", "ratio"
    );
    println!(
        "{:-<CASE_W$}-+-{:-<NS_W$}-+-{:-<PEER_W$}-+-{:-<NS_W$}-+-{:-<6}",
        "", "", "", "", ""
    );
}

fn print_row(row: &Row) {
    println!(
        "{:<CASE_W$} | {:>NS_W$.2} | {:<PEER_W$} | {:>NS_W$.2} | {:>6.2}",
        row.case,
        row.spindle_ns,
        row.peer,
        row.peer_ns,
        row.ratio()
    );
}

fn main() -> ExitCode {
    // process/roundtrip: the pool's workers are this binary re-run.
    #[cfg(unix)]
    {
        spindle_std::process::init(spindle_bench::process::registry());
        let mut args = std::env::args().skip(1);
        if args.next().as_deref() == Some(spindle_bench::process::SQUARE_FLAG) {
            // The peer's one-shot task process.
            return match spindle_bench::process::run_square_flag(args.next().as_deref()) {
                Some(r) => {
                    println!("{r}");
                    ExitCode::SUCCESS
                }
                None => ExitCode::from(2),
            };
        }
    }
    let opts = match parse_args(std::env::args().skip(1)) {
        Ok(Some(opts)) => opts,
        Ok(None) => {
            println!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("spindle-bench: {e}");
            return ExitCode::from(2);
        }
    };

    let selected: Vec<Case> = cases()
        .into_iter()
        .filter(|c| opts.filter.as_deref().is_none_or(|f| c.name.contains(f)))
        .collect();
    if selected.is_empty() {
        eprintln!("spindle-bench: no case matches the filter");
        return ExitCode::from(1);
    }

    if opts.list {
        for case in &selected {
            let peers: Vec<_> = case.peers.iter().map(|p| p.name).collect();
            println!(
                "{:<CASE_W$} {}  [{}]",
                case.name,
                case.about,
                peers.join(", ")
            );
        }
        return ExitCode::SUCCESS;
    }

    let plan = Plan::new(opts.quick);
    if !opts.json {
        eprintln!(
            "spindle-bench: {} round(s) of ~{} ms samples per side, medians; ratio = spindle / peer",
            plan.rounds,
            plan.target.as_millis()
        );
        print_header();
    }
    for case in &selected {
        run_case(case, plan, |row| {
            if opts.json {
                print_json(&row);
            } else {
                print_row(&row);
            }
        });
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Option<Options>, String> {
        parse_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn parses_flags() {
        let o = parse(&["--quick", "--json", "--filter", "mutex"])
            .unwrap()
            .unwrap();
        assert!(o.quick && o.json && !o.list);
        assert_eq!(o.filter.as_deref(), Some("mutex"));
        assert_eq!(
            parse(&["--filter=event"])
                .unwrap()
                .unwrap()
                .filter
                .as_deref(),
            Some("event")
        );
        assert!(parse(&["--help"]).unwrap().is_none());
        assert!(parse(&["--filter"]).is_err());
        assert!(parse(&["--bogus"]).is_err());
    }

    #[test]
    fn medians() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), 2.5);
    }

    #[test]
    fn json_escapes() {
        assert_eq!(json_str("a\"b\\c\n"), "\"a\\\"b\\\\c\\u000a\"");
        assert_eq!(json_num(f64::NAN), "null");
        assert_eq!(json_num(1.5), "1.500");
    }
}
