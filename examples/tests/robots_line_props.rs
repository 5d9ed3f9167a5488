//! Property tests of the robots job's line parser and of the scan's buffering.

use std::io::{self, Read};

use proptest::prelude::*;
use spindle_cookbook::robots::line::{parse_line, parse_line_by_split, Line};
use spindle_cookbook::robots::scan::{scan_text, Tally};

/// Python's `bytes.split()` separators.
const SPACES: &[u8] = b" \t\n\r\x0b\x0c";

fn reference(line: &[u8]) -> Line<'_> {
    parse_line_by_split(line)
}

/// Bytes a log line is made of, weighted towards separators and the path.
fn piece() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => proptest::sample::select(SPACES.to_vec()).prop_map(|b| vec![b]),
        3 => Just(b"/robots.txt".to_vec()),
        1 => Just(b"/robots.txt.bak".to_vec()),
        1 => Just(b"/ROBOTS.TXT".to_vec()),
        2 => "[a-z0-9.:\\[\\]\"/-]{1,8}".prop_map(String::into_bytes),
        1 => proptest::collection::vec(any::<u8>(), 1..4),
    ]
}

fn line() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(piece(), 0..24).prop_map(|p| p.concat())
}

/// A reader that hands out its bytes in the given chunk sizes, in turn.
struct Dribble<'a> {
    text: &'a [u8],
    sizes: Vec<usize>,
    turn: usize,
}

impl Read for Dribble<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = self.sizes[self.turn % self.sizes.len()];
        self.turn += 1;
        let n = want.min(buf.len()).min(self.text.len());
        buf[..n].copy_from_slice(&self.text[..n]);
        self.text = &self.text[n..];
        Ok(n)
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn parser_agrees_with_split_and_index(bytes in line()) {
        prop_assert_eq!(parse_line(&bytes), reference(&bytes));
    }

    #[test]
    fn parser_never_panics_on_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        prop_assert_eq!(parse_line(&bytes), reference(&bytes));
    }

    #[test]
    fn fields_joined_by_any_blanks_parse_back(
        fields in proptest::collection::vec("[!-~]{1,12}", 0..10),
        seps in proptest::collection::vec("[ \t\r\x0b\x0c]{1,3}", 10),
        robots in any::<bool>(),
    ) {
        let mut fields = fields;
        if robots && fields.len() > 6 {
            fields[6] = "/robots.txt".into();
        }
        let mut line = String::new();
        for (i, f) in fields.iter().enumerate() {
            line.push_str(&seps[i]);
            line.push_str(f);
        }
        let expected = if fields.len() < 7 {
            Line::Short
        } else if fields[6] == "/robots.txt" {
            Line::Robots { host: fields[0].as_bytes() }
        } else {
            Line::Other
        };
        prop_assert_eq!(parse_line(line.as_bytes()), expected);
    }

}

proptest! {
    // Each scan zeroes a 1 MiB buffer: fewer cases keep the debug build quick.
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn scanning_in_any_chunks_counts_the_same(
        lines in proptest::collection::vec(line(), 0..40),
        sizes in proptest::collection::vec(1usize..64, 1..8),
    ) {
        let text = lines.join(&b"\n"[..]);
        let mut whole = Tally::default();
        scan_text(&text[..], &mut whole).unwrap();
        let mut dribbled = Tally::default();
        scan_text(Dribble { text: &text, sizes, turn: 0 }, &mut dribbled).unwrap();
        prop_assert_eq!(whole.counts, dribbled.counts);
        prop_assert_eq!(&whole.hosts, &dribbled.hosts);
        // Against the definition, line by line.
        let split: Vec<&[u8]> = if text.is_empty() { vec![] } else {
            let mut v: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
            if text.ends_with(b"\n") { v.pop(); }
            v
        };
        prop_assert_eq!(whole.counts.lines, split.len() as u64);
        let hosts: std::collections::HashSet<Vec<u8>> = split
            .iter()
            .filter_map(|l| match reference(l) { Line::Robots { host } => Some(host.to_vec()), _ => None })
            .collect();
        prop_assert_eq!(whole.hosts, hosts);
        let not_utf8 = split.iter().filter(|l| std::str::from_utf8(l).is_err()).count();
        prop_assert_eq!(whole.counts.not_utf8, not_utf8 as u64);
    }
}

/// The fuzzer's saved inputs (`fuzz/regressions/log_line/`): every line judged as
/// the definition says, every line counted once by the scan.
#[test]
fn fuzz_regressions_replay() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../fuzz/regressions/log_line");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).expect("the regression corpus exists") {
        let path = entry.unwrap().path();
        if path.file_name().is_some_and(|f| f == "README.md") {
            continue;
        }
        let data = std::fs::read(&path).unwrap();
        let mut lines = 0;
        for line in data.split(|&b| b == b'\n') {
            assert_eq!(parse_line(line), reference(line), "{}", path.display());
            lines += 1;
        }
        if data.is_empty() || data.ends_with(b"\n") {
            lines -= 1;
        }
        let mut tally = Tally::default();
        scan_text(&data[..], &mut tally).unwrap();
        assert_eq!(tally.counts.lines, lines, "{}", path.display());
        n += 1;
    }
    assert!(n > 0, "the corpus holds at least its seed inputs");
}
