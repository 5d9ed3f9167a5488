//! One log line: its client host and whether it requested exactly `/robots.txt`.
//!
//! The book's test is `fields = line.split(); fields[6] == '/robots.txt'`; here
//! it runs on bytes, so a line that is not UTF-8 is still judged (and a line with
//! fewer than seven fields is reported as [`Line::Short`], where the book's program
//! raises `IndexError`). Fields are separated by runs of ASCII whitespace as
//! Python's `bytes.split()` defines it: space, `\t`, `\n`, `\v`, `\f`, `\r`
//! (awk's default splits on spaces and tabs; the two agree on every line that
//! has no `\v`, `\f` or `\r`).

/// The request path the job looks for, compared byte for byte.
pub const ROBOTS_PATH: &[u8] = b"/robots.txt";

/// The field (0-based) that holds the request path in Apache's common and
/// combined formats: `host ident user [date zone] "METHOD path ...`.
pub const PATH_FIELD: usize = 6;

/// What one line says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line<'a> {
    /// Field 6 is exactly `/robots.txt`; the client host is field 0.
    Robots {
        /// The first field, as bytes.
        host: &'a [u8],
    },
    /// A line with at least seven fields that asked for something else.
    Other,
    /// An empty or blank line, or one with fewer than seven fields.
    Short,
}

/// `true` for the bytes Python's `bytes.split()` splits on.
#[inline(always)]
pub const fn is_field_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Judges one line (with or without its trailing newline).
///
/// ```
/// use spindle_cookbook::robots::line::{parse_line, Line};
///
/// let hit = br#"66.249.66.1 - - [10/Jul/2012:00:18:50 -0500] "GET /robots.txt HTTP/1.1" 200 71"#;
/// assert_eq!(parse_line(hit), Line::Robots { host: b"66.249.66.1" });
/// let decoy = br#"10.0.0.1 - - [10/Jul/2012:00:18:51 -0500] "GET /robots.txt.bak HTTP/1.1" 404 9"#;
/// assert_eq!(parse_line(decoy), Line::Other);
/// assert_eq!(parse_line(b"10.0.0.1 - -"), Line::Short);
/// assert_eq!(parse_line(b""), Line::Short);
/// ```
#[inline]
pub fn parse_line(line: &[u8]) -> Line<'_> {
    let len = line.len();
    let mut i = 0;
    // Field 0: the host.
    while i < len && is_field_space(line[i]) {
        i += 1;
    }
    let host_start = i;
    while i < len && !is_field_space(line[i]) {
        i += 1;
    }
    if host_start == i {
        return Line::Short;
    }
    let host = &line[host_start..i];
    // Fields 1..=5: skip them.
    for _ in 1..PATH_FIELD {
        while i < len && is_field_space(line[i]) {
            i += 1;
        }
        if i == len {
            return Line::Short;
        }
        while i < len && !is_field_space(line[i]) {
            i += 1;
        }
    }
    while i < len && is_field_space(line[i]) {
        i += 1;
    }
    if i == len {
        return Line::Short;
    }
    // Field 6: exactly `/robots.txt`, then whitespace or the end of the line.
    let rest = &line[i..];
    let n = ROBOTS_PATH.len();
    if rest.len() >= n
        && &rest[..n] == ROBOTS_PATH
        && rest.get(n).is_none_or(|&b| is_field_space(b))
    {
        Line::Robots { host }
    } else {
        Line::Other
    }
}

/// The definition written the slow, obvious way, as the book does: split the
/// whole line into fields (allocating), then look at field 6. [`parse_line`] must
/// agree with it on every input; the tests and the fuzz target hold it to that.
///
/// ```
/// use spindle_cookbook::robots::line::{parse_line, parse_line_by_split};
///
/// let line = b"h\t1 2 3 4 5 /robots.txt 200";
/// assert_eq!(parse_line_by_split(line), parse_line(line));
/// ```
pub fn parse_line_by_split(line: &[u8]) -> Line<'_> {
    let fields: Vec<&[u8]> = line
        .split(|&b| is_field_space(b))
        .filter(|f| !f.is_empty())
        .collect();
    match fields.get(PATH_FIELD) {
        None => Line::Short,
        Some(&p) if p == ROBOTS_PATH => Line::Robots { host: fields[0] },
        Some(_) => Line::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(line: &[u8]) -> Line<'_> {
        parse_line_by_split(line)
    }

    #[test]
    fn formats_and_decoys() {
        let common =
            br#"124.115.6.12 - - [10/Jul/2012:00:18:50 -0500] "GET /robots.txt HTTP/1.1" 200 71"#;
        let combined = br#"2001:db8::1 - bob [10/Jul/2012:00:18:50 -0500] "GET /robots.txt HTTP/1.0" 200 71 "-" "Googlebot/2.1""#;
        assert_eq!(
            parse_line(common),
            Line::Robots {
                host: b"124.115.6.12"
            }
        );
        assert_eq!(
            parse_line(combined),
            Line::Robots {
                host: b"2001:db8::1"
            }
        );
        for decoy in [
            "/robots.txt.bak",
            "/ROBOTS.TXT",
            "/a/robots.txt",
            "/robots.txt?x=1",
            "/robots.tx",
            "robots.txt",
        ] {
            let line =
                format!(r#"1.2.3.4 - - [10/Jul/2012:00:18:50 -0500] "GET {decoy} HTTP/1.1" 200 7"#);
            assert_eq!(parse_line(line.as_bytes()), Line::Other, "{decoy}");
        }
    }

    #[test]
    fn exactly_seven_fields_and_trailing_whitespace() {
        assert_eq!(
            parse_line(b"h 1 2 3 4 5 /robots.txt"),
            Line::Robots { host: b"h" }
        );
        assert_eq!(
            parse_line(b"\t h  1 2 3 4\t5 /robots.txt\r\n"),
            Line::Robots { host: b"h" }
        );
        assert_eq!(parse_line(b"h 1 2 3 4 5"), Line::Short);
        assert_eq!(parse_line(b"h 1 2 3 4 5   \r\n"), Line::Short);
        assert_eq!(parse_line(b" \t\r\n"), Line::Short);
        assert_eq!(
            parse_line(b"\xff\xfe 1 2 3 4 5 /robots.txt"),
            Line::Robots { host: b"\xff\xfe" }
        );
    }

    #[test]
    fn agrees_with_the_slow_definition_on_edge_cases() {
        let cases: &[&[u8]] = &[
            b"",
            b"\n",
            b"a",
            b"a b c d e f g",
            b"a b c d e f /robots.txt\x0b",
            b"a b c d e f /robots.txt\x0cz",
            b"a b c d e f /robots.txtz",
            b"a\x0bb\x0cc\rd e f /robots.txt",
            b"a b c d e f\x00/robots.txt",
            b"   a b c d e f /robots.txt   ",
        ];
        for &c in cases {
            assert_eq!(
                parse_line(c),
                reference(c),
                "{:?}",
                String::from_utf8_lossy(c)
            );
        }
    }
}
