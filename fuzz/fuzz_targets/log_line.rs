//! The robots job's log-line parser (spindle_cookbook::robots, recipe 12.8) on
//! arbitrary bytes: every line is judged as the definition says
//! (`parse_line_by_split`: split on ASCII whitespace, field 6 is `/robots.txt`), and the buffered scan of the whole input
//! counts each line once, never panicking. `examples/tests/robots_line_props.rs`
//! replays `fuzz/regressions/log_line/`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spindle_cookbook::robots::line::{parse_line, parse_line_by_split as reference, Line};
use spindle_cookbook::robots::scan::{scan_text, Tally};

fuzz_target!(|data: &[u8]| {
    let mut lines = 0u64;
    let mut robots = 0u64;
    for line in data.split(|&b| b == b'\n') {
        let judged = parse_line(line);
        assert_eq!(judged, reference(line));
        robots += u64::from(matches!(judged, Line::Robots { .. }));
        lines += 1;
    }
    // `split` yields one empty piece after a final newline (or for empty input).
    if data.is_empty() || data.ends_with(b"\n") {
        lines -= 1;
    }
    let mut tally = Tally::default();
    scan_text(data, &mut tally).expect("reading a slice never fails");
    assert_eq!(tally.counts.lines, lines);
    assert_eq!(tally.counts.robots, robots);
    assert_eq!(tally.counts.text_bytes, data.len() as u64);
    assert!(tally.hosts.len() as u64 <= robots);
});
