//! `spindle-bench`: a quick side-by-side harness over the cases in the library.
//!
//! ```text
//! cargo run --release -p spindle-bench -- [--quick] [--runs K] [--json] [--filter S[,S2..]] [--trace]
//! cargo run --release -p spindle-bench -- --side CASE SIDE --iters N   # one side, once
//! ```
//!
//! Method: for every case (whose name contains `S`, with `--filter`) and every peer
//! of it, each side's `iters` is calibrated so one sample takes about the target
//! time (10 ms with `--quick`, 40 ms otherwise); both sides get a warm-up sample,
//! repeated with a larger `iters` while it covers under a third of the target (a
//! stall during calibration can only make the count too small, never too large);
//! then `rounds` rounds (7 with `--quick`, 15 otherwise) each take one spindle sample
//! and one peer sample, alternating spindle, peer, spindle, peer, ... so that slow
//! drift on a noisy machine lands on both sides alike. A sample is `elapsed / iters`
//! in ns/op; each side reports the median of its samples, and `ratio` is the
//! median over rounds of `spindle sample / peer sample` of the same round (lower is
//! better for spindle; below 1 spindle wins): paired, so that a machine whose
//! threaded samples switch between two modes cannot set the two medians in
//! different modes.
//!
//! With `--runs K` the whole alternating comparison is repeated K times in one
//! invocation (every row once per run, in order), and each row reports the median
//! ns/op over all runs and the min / median / max of its K per-run ratios: the spread
//! says how far one figure can be trusted on this machine.
//!
//! Output is a table (`case | spindle ns/op | peer | peer ns/op | ratio min med max`),
//! or with `--json` one object per line:
//! `{"case": "...", "spindle_ns": f, "peer": "...", "peer_ns": f, "ratio": f,
//! "ratio_min": f, "ratio_max": f, "runs": K}` (`ratio` is the median).
//!
//! `--side CASE SIDE --iters N` runs one side (`spindle` or a peer's name) once for N
//! iterations and prints nothing: `ci/instructions.sh` runs it under callgrind at two
//! iteration counts and takes the difference, so start-up cancels out and what is left
//! is instructions per operation.

use std::process::ExitCode;
use std::time::Duration;

use spindle_bench::{cases, Case, Side};

const HELP: &str = "\
spindle-bench: spindle against peer crates, side by side

USAGE:
    cargo run --release -p spindle-bench -- [OPTIONS]

OPTIONS:
    --quick        fewer, shorter samples (7 rounds of ~10 ms); the suite in seconds
    --runs K       repeat the whole comparison K times; report min/median/max ratio
    --json         one JSON object per (case, peer) line instead of the table
    --filter S     only cases whose name contains S (e.g. mutex, event/pingpong);
                   S1,S2,... selects cases that contain any of them
    --trace        print every comparison's samples and iteration counts to stderr
    --list         list the cases and their peers, run nothing
    --list-single-thread
                   list `case<TAB>side` for every side of the one-thread cases
                   (the rows ci/instructions.sh counts under callgrind)
    --side C S --iters N
                   run side S (`spindle` or a peer name) of case C once, N iterations
    -h, --help     this text

Each row alternates spindle and peer samples, reports the median ns/op of each,
and ratio = median over rounds of spindle / peer (lower is better for spindle).";

#[derive(Debug, Default)]
struct Options {
    quick: bool,
    json: bool,
    list: bool,
    list_single_thread: bool,
    trace: bool,
    runs: Option<usize>,
    filter: Option<String>,
    side: Option<(String, String)>,
    iters: Option<u64>,
}

fn parse_number<T: std::str::FromStr>(flag: &str, value: Option<String>) -> Result<T, String> {
    let value = value.ok_or_else(|| format!("{flag} needs a value"))?;
    value
        .parse()
        .map_err(|_| format!("{flag}: `{value}` is not a positive whole number"))
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
    let mut opts = Options::default();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => opts.quick = true,
            "--json" => opts.json = true,
            "--list" => opts.list = true,
            "--list-single-thread" => opts.list_single_thread = true,
            "--trace" => opts.trace = true,
            "--runs" => {
                let runs: usize = parse_number("--runs", args.next())?;
                if runs == 0 {
                    return Err("--runs must be at least 1".into());
                }
                opts.runs = Some(runs);
            }
            "--iters" => opts.iters = Some(parse_number("--iters", args.next())?),
            "--side" => {
                let case = args.next().ok_or("--side needs a case and a side")?;
                let side = args.next().ok_or("--side needs a case and a side")?;
                opts.side = Some((case, side));
            }
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
    if opts.side.is_some() != opts.iters.is_some() {
        return Err("--side and --iters go together".into());
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

/// `iters` scaled so that a run like the one that took `took` takes `target`.
fn scale(iters: u64, took: Duration, target: Duration) -> u64 {
    let scaled = iters as f64 * target.as_secs_f64() / took.as_secs_f64().max(1e-9);
    (scaled as u64).max(1)
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
    let mut iters: u64 = 1;
    let mut took = side(iters);
    while took < floor && iters < 1 << 40 {
        // Jump faster while the run is far too short.
        iters *= if took < floor / 100 { 16 } else { 2 };
        took = side(iters);
    }
    for _ in 0..8 {
        let scaled = scale(iters, took, target);
        if took >= target / 2 || scaled <= iters || iters >= 1 << 40 {
            return scaled;
        }
        iters = scaled;
        took = side(iters);
    }
    scale(iters, took, target)
}

/// The warm-up: runs `side(iters)` (discarded) and, while a run covers less than a
/// third of `target`, scales `iters` up to fit and runs again (at most 6 times).
///
/// Calibration can still settle on a count far too small: if the run it scales
/// from stalled (a thread of the side waiting several milliseconds for a core that
/// another process holds, as `ci/instructions.sh`'s callgrind does beside a bench),
/// the stall passes for the per-op cost. Every later sample is then a few hundred
/// items plus the side's fixed cost (waking its threads, joining them), tens of
/// microseconds that the division by a tiny `iters` turns into hundreds of ns/op:
/// `queue/blocking-1p1c` once reported spindle at 2x crossbeam with `iters` 166
/// against crossbeam's 34,972. A stall only ever makes a run slower, so a run that
/// is much shorter than the target shows the count is too small, never too large.
fn settle(side: Side, mut iters: u64, target: Duration) -> u64 {
    for _ in 0..6 {
        let took = side(iters);
        if took >= target / 3 || iters >= 1 << 40 {
            break;
        }
        iters = scale(iters, took, target).max(iters + 1);
    }
    iters
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

/// One (case, peer) comparison in one run: medians of alternating samples, and
/// the ratio of the pairs (see [`paired_ratio`]).
struct Sample {
    spindle_ns: f64,
    peer_ns: f64,
    ratio: f64,
}

/// The median over rounds of `ours[i] / theirs[i]`: each spindle sample against
/// the peer sample taken right after it.
///
/// Not the ratio of the two medians, because on this 2-vCPU machine a threaded
/// sample is bimodal and the mode changes from one sample to the next (each
/// sample starts fresh threads): `queue/blocking-1p1c` takes ~11-17 ns/item while
/// its producer and consumer have a core each and ~160-200 ns/item while another
/// process holds one core and they share the other, for spindle and crossbeam
/// alike. With 7 rounds, 4 slow samples on one side and 3 on the other make the
/// medians 10x apart (rows reported 3.4x and 6.8x that way while every same-mode
/// pair was 0.9-1.0). A pair is two adjacent samples, so it mixes modes only where
/// the mode changed between them, and the median of the pairs needs most pairs
/// mixed the same way to move.
fn paired_ratio(ours: &[f64], theirs: &[f64]) -> f64 {
    let mut ratios: Vec<f64> = ours.iter().zip(theirs).map(|(o, t)| o / t).collect();
    median(&mut ratios)
}

/// One (case, peer) row over every run.
struct Row {
    case: &'static str,
    peer: &'static str,
    runs: Vec<Sample>,
}

/// What a row reports: medians of ns/op over the runs, and the spread of the ratio.
struct Summary {
    spindle_ns: f64,
    peer_ns: f64,
    ratio_min: f64,
    ratio_median: f64,
    ratio_max: f64,
}

impl Row {
    fn summary(&self) -> Summary {
        let mut spindle: Vec<f64> = self.runs.iter().map(|r| r.spindle_ns).collect();
        let mut peer: Vec<f64> = self.runs.iter().map(|r| r.peer_ns).collect();
        let mut ratios: Vec<f64> = self.runs.iter().map(|r| r.ratio).collect();
        let ratio_median = median(&mut ratios);
        Summary {
            spindle_ns: median(&mut spindle),
            peer_ns: median(&mut peer),
            ratio_min: ratios.first().copied().unwrap_or(f64::NAN),
            ratio_median,
            ratio_max: ratios.last().copied().unwrap_or(f64::NAN),
        }
    }
}

/// Compares one case's spindle side with `peer` once: calibrates both, warms both
/// up, then alternates `plan.rounds` samples of each.
fn compare(spindle: Side, peer: Side, plan: Plan, trace: bool) -> Sample {
    let spindle_iters = calibrate(spindle, plan.target);
    let peer_iters = calibrate(peer, plan.target);
    // Warm-up, which also corrects a count that a stall during calibration left
    // too small.
    let spindle_iters = settle(spindle, spindle_iters, plan.target);
    let peer_iters = settle(peer, peer_iters, plan.target);
    let mut ours = Vec::with_capacity(plan.rounds);
    let mut theirs = Vec::with_capacity(plan.rounds);
    for _ in 0..plan.rounds {
        ours.push(ns_per_op(spindle, spindle_iters));
        theirs.push(ns_per_op(peer, peer_iters));
    }
    if trace {
        let list = |v: &[f64]| {
            let v: Vec<String> = v.iter().map(|x| format!("{x:.2}")).collect();
            v.join(" ")
        };
        eprintln!(
            "  samples: spindle [{}] x {spindle_iters} iters, peer [{}] x {peer_iters} iters",
            list(&ours),
            list(&theirs)
        );
    }
    Sample {
        ratio: paired_ratio(&ours, &theirs),
        spindle_ns: median(&mut ours),
        peer_ns: median(&mut theirs),
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
    let s = row.summary();
    println!(
        "{{\"case\": {}, \"spindle_ns\": {}, \"peer\": {}, \"peer_ns\": {}, \"ratio\": {}, \"ratio_min\": {}, \"ratio_max\": {}, \"runs\": {}}}",
        json_str(row.case),
        json_num(s.spindle_ns),
        json_str(row.peer),
        json_num(s.peer_ns),
        json_num(s.ratio_median),
        json_num(s.ratio_min),
        json_num(s.ratio_max),
        row.runs.len(),
    );
}

const CASE_W: usize = 24;
const NS_W: usize = 13;
const PEER_W: usize = 32;

fn print_header(runs: usize) {
    if runs > 1 {
        println!(
            "{:<CASE_W$} | {:>NS_W$} | {:<PEER_W$} | {:>NS_W$} | {:>5} {:>5} {:>5}",
            "case", "spindle ns/op", "peer", "peer ns/op", "min", "ratio", "max"
        );
    } else {
        println!(
            "{:<CASE_W$} | {:>NS_W$} | {:<PEER_W$} | {:>NS_W$} | {:>5}",
            "case", "spindle ns/op", "peer", "peer ns/op", "ratio"
        );
    }
    let ratio_w = if runs > 1 { 17 } else { 5 };
    println!(
        "{:-<CASE_W$}-+-{:-<NS_W$}-+-{:-<PEER_W$}-+-{:-<NS_W$}-+-{:-<ratio_w$}",
        "", "", "", "", ""
    );
}

fn print_row(row: &Row) {
    let s = row.summary();
    print!(
        "{:<CASE_W$} | {:>NS_W$.2} | {:<PEER_W$} | {:>NS_W$.2} | ",
        row.case, s.spindle_ns, row.peer, s.peer_ns
    );
    if row.runs.len() > 1 {
        println!(
            "{:>5.2} {:>5.2} {:>5.2}",
            s.ratio_min, s.ratio_median, s.ratio_max
        );
    } else {
        println!("{:>5.2}", s.ratio_median);
    }
}

/// `--side CASE SIDE --iters N`: runs one side once, for callgrind.
fn run_one_side(cases: &[Case], case: &str, side: &str, iters: u64) -> ExitCode {
    let Some(found) = cases.iter().find(|c| c.name == case) else {
        eprintln!("spindle-bench: no case named `{case}` (try --list)");
        return ExitCode::from(2);
    };
    let run = if side == "spindle" {
        Some(found.spindle)
    } else {
        found.peers.iter().find(|p| p.name == side).map(|p| p.side)
    };
    match run {
        Some(run) => {
            std::hint::black_box(run(iters));
            ExitCode::SUCCESS
        }
        None => {
            eprintln!("spindle-bench: case `{case}` has no side `{side}` (try --list)");
            ExitCode::from(2)
        }
    }
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

    if let (Some((case, side)), Some(iters)) = (&opts.side, opts.iters) {
        return run_one_side(&cases(), case, side, iters);
    }

    let selected: Vec<Case> = cases()
        .into_iter()
        .filter(|c| {
            opts.filter
                .as_deref()
                .is_none_or(|f| f.split(',').any(|f| c.name.contains(f)))
        })
        .collect();
    if selected.is_empty() {
        eprintln!("spindle-bench: no case matches the filter");
        return ExitCode::from(1);
    }

    if opts.list_single_thread {
        for case in selected.iter().filter(|c| c.single_thread) {
            println!("{}\tspindle", case.name);
            for peer in &case.peers {
                println!("{}\t{}", case.name, peer.name);
            }
        }
        return ExitCode::SUCCESS;
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
    let runs = opts.runs.unwrap_or(1);
    let trace = opts.trace;
    if !opts.json {
        eprintln!(
            "spindle-bench: {runs} run(s) x {} round(s) of ~{} ms samples per side, medians; ratio = spindle / peer",
            plan.rounds,
            plan.target.as_millis()
        );
    }
    let mut rows: Vec<Row> = selected
        .iter()
        .flat_map(|case| {
            case.peers.iter().map(|peer| Row {
                case: case.name,
                peer: peer.name,
                runs: Vec::with_capacity(runs),
            })
        })
        .collect();
    // Every run covers every row before the next run starts, so a slow spell of the
    // machine lands in one run of many rows, not in many runs of one row.
    for run in 0..runs {
        if runs > 1 && !opts.json {
            eprintln!("spindle-bench: run {} of {runs}", run + 1);
        }
        let mut row = rows.iter_mut();
        for case in &selected {
            for peer in &case.peers {
                let sample = compare(case.spindle, peer.side, plan, trace);
                if trace {
                    eprintln!(
                        "run {} {} vs {}: {:.2} / {:.2} = {:.2}",
                        run + 1,
                        case.name,
                        peer.name,
                        sample.spindle_ns,
                        sample.peer_ns,
                        sample.ratio
                    );
                }
                row.next().expect("one row per peer").runs.push(sample);
            }
        }
    }
    if !opts.json {
        print_header(runs);
    }
    for row in &rows {
        if opts.json {
            print_json(row);
        } else {
            print_row(row);
        }
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
        assert!(o.quick && o.json && !o.list && !o.trace);
        assert!(parse(&["--trace"]).unwrap().unwrap().trace);
        assert_eq!(o.filter.as_deref(), Some("mutex"));
        assert_eq!(
            parse(&["--filter=event"])
                .unwrap()
                .unwrap()
                .filter
                .as_deref(),
            Some("event")
        );
        assert_eq!(parse(&["--runs", "3"]).unwrap().unwrap().runs, Some(3));
        assert!(parse(&["--runs", "0"]).is_err());
        assert!(parse(&["--runs", "x"]).is_err());
        let one = parse(&["--side", "mutex/uncontended", "spindle", "--iters", "10"])
            .unwrap()
            .unwrap();
        assert_eq!(one.iters, Some(10));
        assert!(parse(&["--side", "mutex/uncontended", "spindle"]).is_err());
        assert!(parse(&["--help"]).unwrap().is_none());
        assert!(parse(&["--filter"]).is_err());
        assert!(parse(&["--bogus"]).is_err());
    }

    #[test]
    fn summaries_report_the_spread() {
        let row = Row {
            case: "c",
            peer: "p",
            runs: [(1.0, 2.0), (3.0, 2.0), (2.0, 2.0)]
                .into_iter()
                .map(|(spindle_ns, peer_ns)| Sample {
                    spindle_ns,
                    peer_ns,
                    ratio: spindle_ns / peer_ns,
                })
                .collect(),
        };
        let s = row.summary();
        assert_eq!((s.ratio_min, s.ratio_median, s.ratio_max), (0.5, 1.0, 1.5));
        assert_eq!((s.spindle_ns, s.peer_ns), (2.0, 2.0));
    }

    #[test]
    fn paired_ratios_resist_mode_changes() {
        // 4 of 7 spindle samples and 3 of 7 peer samples in the slow mode: the
        // medians are 10x apart, every pair but one is 1.
        let ours = [10.0, 10.0, 10.0, 100.0, 100.0, 100.0, 100.0];
        let theirs = [10.0, 10.0, 10.0, 10.0, 100.0, 100.0, 100.0];
        assert_eq!(paired_ratio(&ours, &theirs), 1.0);
        assert_eq!(paired_ratio(&[3.0, 8.0], &[2.0, 4.0]), 1.75);
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
