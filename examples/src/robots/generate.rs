//! Sample logs for the job (`spindle robots --generate DIR`): realistic Apache
//! access logs, gzip-compressed, one file per day as in the book (`20120701.log.gz`,
//! ...), so the tour, the tests, the benchmark and a newcomer have data without
//! downloading anything.
//!
//! The lines mix the common and combined formats, IPv4 and IPv6 clients (and a few
//! resolved host names), query strings, and the decoys a sloppy matcher falls for
//! (`/robots.txt.bak`, `/ROBOTS.TXT`, `/a/robots.txt`, `/robots.txt?lang=en`), plus
//! malformed lines: empty, blank, cut short, and not UTF-8 (in the user agent and,
//! rarely, in the host itself). With more than one file, the second is written as
//! several gzip members, as `cat a.gz b.gz` or logrotate produce.
//!
//! Output is a pure function of the options (and this build): the same seed gives
//! byte-identical files. The generator also returns what it meant to write, the
//! hosts and line counts, worked out from its own choices and not by parsing the
//! text back: an independent reference for the tests.

use std::collections::BTreeSet;
use std::fmt;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;
use flate2::Compression;

use super::scan::LineCounts;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenerateOptions {
    /// Number of files (days).
    pub files: usize,
    /// Lines per file, malformed ones included.
    pub lines: usize,
    /// The seed: same seed, same files.
    pub seed: u64,
}

impl Default for GenerateOptions {
    /// The book's six days, 20,000 lines each.
    fn default() -> Self {
        GenerateOptions {
            files: 6,
            lines: 20_000,
            seed: 2012,
        }
    }
}

/// What was generated, by construction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Generated {
    /// The files written, in name order.
    pub files: Vec<PathBuf>,
    /// The files written as more than one gzip member.
    pub multi_member: Vec<PathBuf>,
    /// The distinct hosts that requested exactly `/robots.txt`, sorted bytewise.
    pub robots_hosts: BTreeSet<Vec<u8>>,
    /// Line counts of all files as the scan should find them (`text_bytes`
    /// included; `overlong` is always 0).
    pub counts: LineCounts,
}

/// Generation failed: the file and why.
#[derive(Debug)]
pub struct GenerateError {
    /// The file (or directory) being written.
    pub path: PathBuf,
    /// Why.
    pub error: io::Error,
}

impl fmt::Display for GenerateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot write {}: {}", self.path.display(), self.error)
    }
}

impl std::error::Error for GenerateError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// How many gzip members the multi-member file (the second) has.
pub const MEMBERS: usize = 3;

/// Writes `options.files` log files into `dir` (created if missing).
///
/// ```
/// use spindle_cookbook::robots::generate::{generate, GenerateOptions};
///
/// let dir = tempfile::tempdir().unwrap();
/// let opts = GenerateOptions { files: 2, lines: 500, seed: 7 };
/// let made = generate(dir.path(), &opts).unwrap();
/// assert_eq!(made.files.len(), 2);
/// assert_eq!(made.multi_member.len(), 1);
/// assert_eq!(made.counts.lines, 1000);
/// assert!(!made.robots_hosts.is_empty());
/// ```
pub fn generate(dir: &Path, options: &GenerateOptions) -> Result<Generated, GenerateError> {
    fs::create_dir_all(dir).map_err(|error| GenerateError {
        path: dir.to_path_buf(),
        error,
    })?;
    let hosts = HostPool::new(options.seed);
    let mut made = Generated::default();
    for day in 0..options.files {
        let path = dir.join(file_name(day));
        let members = if options.files > 1 && day == 1 {
            MEMBERS
        } else {
            1
        };
        let mut rng = fastrand::Rng::with_seed(
            options
                .seed
                .wrapping_mul(0x9e37_79b9_7f4a_7c15)
                .wrapping_add(day as u64),
        );
        let mut day_log = DayLog {
            rng: &mut rng,
            hosts: &hosts,
            day,
            lines: options.lines,
            made: &mut made,
        };
        day_log
            .write(&path, members)
            .map_err(|error| GenerateError {
                path: path.clone(),
                error,
            })?;
        if members > 1 {
            made.multi_member.push(path.clone());
        }
        made.files.push(path);
    }
    Ok(made)
}

/// `20120701.log.gz` for day 0, one name per day after it.
fn file_name(day: usize) -> String {
    let (y, m, d) = civil_from_days(days_from_civil(2012, 7, 1) + day as i64);
    format!("{y:04}{m:02}{d:02}.log.gz")
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (the inverse of [`days_from_civil`]).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The clients: many browsers, fewer crawlers (the ones that ask for robots.txt).
struct HostPool {
    visitors: Vec<String>,
    crawlers: Vec<String>,
}

impl HostPool {
    fn new(seed: u64) -> Self {
        let mut rng = fastrand::Rng::with_seed(seed ^ HOST_SALT);
        let host = |rng: &mut fastrand::Rng| match rng.u32(0..10) {
            0..=6 => format!(
                "{}.{}.{}.{}",
                rng.u8(1..=223),
                rng.u8(..),
                rng.u8(..),
                rng.u8(1..=254)
            ),
            7 | 8 => format!(
                "2001:db8:{:x}:{:x}::{:x}",
                rng.u16(..),
                rng.u16(..),
                rng.u16(1..)
            ),
            _ => format!(
                "crawl-{}-{}-{}-{}.example.net",
                rng.u8(1..=223),
                rng.u8(..),
                rng.u8(..),
                rng.u8(1..=254)
            ),
        };
        let visitors = (0..3000).map(|_| host(&mut rng)).collect();
        let crawlers = (0..400).map(|_| host(&mut rng)).collect();
        HostPool { visitors, crawlers }
    }
}

/// Keeps the host pool's random stream apart from the files' streams.
const HOST_SALT: u64 = 0x005e_ed0f_4057;

/// Pages of the sample site (some with query strings, one that mentions robots.txt).
const PAGES: &[&str] = &[
    "/",
    "/index.html",
    "/ply/",
    "/ply/ply.html",
    "/favicon.ico",
    "/blog/atom.xml",
    "/blog/2012/07/threads.html",
    "/images/logo.png",
    "/css/site.css",
    "/js/site.js?v=3",
    "/search?q=robots.txt",
    "/search?q=/robots.txt&page=2",
    "/downloads/ply-3.4.tar.gz",
    "/about",
    "/cookbook/12/8?lang=en",
];

/// Paths a sloppy matcher takes for `/robots.txt`.
const DECOYS: &[&str] = &[
    "/robots.txt.bak",
    "/ROBOTS.TXT",
    "/Robots.txt",
    "/a/robots.txt",
    "/robots.txt?lang=en",
    "/robots.txt/",
    "robots.txt",
];

const AGENTS: &[&str] = &[
    "Mozilla/5.0 (X11; Linux x86_64; rv:14.0) Gecko/20100101 Firefox/14.0.1",
    "Mozilla/5.0 (Windows NT 6.1) AppleWebKit/536.11 (KHTML, like Gecko) Chrome/20.0.1132.57",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "curl/7.26.0",
];

/// What one generated line is meant to be.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A well-formed request for a page or a decoy.
    Page,
    /// A well-formed request for exactly `/robots.txt`.
    Robots,
    /// Fewer than seven fields, by construction.
    Short,
    /// A timed-out connection: `"-" 408 -` (eight fields, no path).
    NoRequest,
}

/// One day's file being written.
struct DayLog<'a> {
    rng: &'a mut fastrand::Rng,
    hosts: &'a HostPool,
    day: usize,
    lines: usize,
    made: &'a mut Generated,
}

impl DayLog<'_> {
    fn write(&mut self, path: &Path, members: usize) -> io::Result<()> {
        let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
        let mut text = Vec::with_capacity(1 << 18);
        let (y, m, d) = civil_from_days(days_from_civil(2012, 7, 1) + self.day as i64);
        let date = format!("{d:02}/{}/{y}", MONTHS[m as usize - 1]);
        for member in 0..members {
            let lo = member * self.lines / members;
            let hi = (member + 1) * self.lines / members;
            let mut gz = GzEncoder::new(&mut out, Compression::default());
            for i in lo..hi {
                let secs = i * 86_400 / self.lines.max(1);
                let time = format!(
                    "[{date}:{:02}:{:02}:{:02} -0500]",
                    secs / 3600,
                    secs / 60 % 60,
                    secs % 60
                );
                let start = text.len();
                self.line(&time, &mut text);
                self.made.counts.lines += 1;
                self.made.counts.text_bytes += (text.len() - start) as u64;
                if text.len() >= (1 << 18) - 1024 {
                    gz.write_all(&text)?;
                    text.clear();
                }
            }
            gz.write_all(&text)?;
            text.clear();
            gz.finish()?;
        }
        out.into_inner().map_err(|e| e.into_error())?.sync_all()
    }

    /// Appends one line (with its newline) and records what it is.
    fn line(&mut self, time: &str, text: &mut Vec<u8>) {
        let rng = &mut *self.rng;
        let roll = rng.u32(0..1000);
        let crawler = &self.hosts.crawlers[rng.usize(..self.hosts.crawlers.len())];
        let visitor = &self.hosts.visitors[rng.usize(..self.hosts.visitors.len())];
        let (kind, host, path): (Kind, &[u8], &str) = match roll {
            0..=14 => (Kind::Robots, crawler.as_bytes(), "/robots.txt"),
            15 | 16 => (Kind::Robots, visitor.as_bytes(), "/robots.txt"),
            17..=29 => {
                let h = if rng.bool() { crawler } else { visitor };
                (Kind::Page, h.as_bytes(), DECOYS[rng.usize(..DECOYS.len())])
            }
            30..=34 => (Kind::Short, visitor.as_bytes(), ""),
            35 => (Kind::NoRequest, visitor.as_bytes(), ""),
            // Very rarely a host that is not UTF-8 (a broken proxy's header).
            36 if rng.u32(0..8) == 0 => (Kind::Robots, &b"\xc3\x28proxy"[..], "/robots.txt"),
            _ => (
                Kind::Page,
                visitor.as_bytes(),
                PAGES[rng.usize(..PAGES.len())],
            ),
        };
        // 0.5% of lines carry a Latin-1 user agent: not UTF-8, still judged.
        let latin1 = kind != Kind::Short && rng.u32(0..200) == 0;
        let not_utf8 = latin1 || std::str::from_utf8(host).is_err();
        let combined = latin1 || rng.u32(0..10) < 6;
        // A few lines separate the host by a run of blanks (tabs, two spaces).
        let sep: &[u8] = match rng.u32(0..500) {
            0 => b"\t",
            1 => b"  ",
            _ => b" ",
        };
        match kind {
            Kind::Short => {
                self.made.counts.short += 1;
                match rng.u32(0..5) {
                    0 => {}
                    1 => text.extend_from_slice(b"  \t "),
                    2 => text.extend_from_slice(host),
                    3 => {
                        text.extend_from_slice(host);
                        text.extend_from_slice(b" - -");
                    }
                    _ => {
                        // Six fields: cut just before the path.
                        text.extend_from_slice(host);
                        text.extend_from_slice(b" - - ");
                        text.extend_from_slice(time.as_bytes());
                        text.extend_from_slice(b" \"GET");
                    }
                }
                text.push(b'\n');
                return;
            }
            Kind::NoRequest => {
                text.extend_from_slice(host);
                text.extend_from_slice(sep);
                text.extend_from_slice(b"- - ");
                text.extend_from_slice(time.as_bytes());
                text.extend_from_slice(b" \"-\" 408 -\n");
                return;
            }
            Kind::Robots => {
                self.made.counts.robots += 1;
                self.made.robots_hosts.insert(host.to_vec());
            }
            Kind::Page => {}
        }
        if not_utf8 {
            self.made.counts.not_utf8 += 1;
        }
        let method = match rng.u32(0..20) {
            0 => "POST",
            1 => "HEAD",
            _ => "GET",
        };
        let proto = if rng.u32(0..4) == 0 {
            "HTTP/1.0"
        } else {
            "HTTP/1.1"
        };
        let (status, size) = match (kind, rng.u32(0..20)) {
            (Kind::Robots, _) => (200, 71),
            (_, 0) => (404, 369),
            (_, 1) => (304, 0),
            _ => (200, rng.u32(200..60_000)),
        };
        let user = if rng.u32(0..50) == 0 { "alice" } else { "-" };
        text.extend_from_slice(host);
        text.extend_from_slice(sep);
        let size = if size == 0 {
            "-".to_string()
        } else {
            size.to_string()
        };
        let _ = write!(
            text,
            "- {user} {time} \"{method} {path} {proto}\" {status} {size}"
        );
        if combined {
            let referer = if rng.bool() {
                "-"
            } else {
                "http://www.dabeaz.com/"
            };
            let _ = write!(text, " \"{referer}\" \"");
            if latin1 {
                text.extend_from_slice(b"Mozilla/5.0 (compatible; Sp\xe9cial-Robot/1.0)");
            } else {
                text.extend_from_slice(AGENTS[rng.usize(..AGENTS.len())].as_bytes());
            }
            text.push(b'"');
        }
        text.push(b'\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_names_follow_the_book() {
        assert_eq!(file_name(0), "20120701.log.gz");
        assert_eq!(file_name(31), "20120801.log.gz");
        assert_eq!(file_name(184), "20130101.log.gz");
        for z in [-1, 0, 15_522, 15_887, 20_000] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let opts = GenerateOptions {
            files: 2,
            lines: 300,
            seed: 1,
        };
        let dirs = [(); 3].map(|()| tempfile::tempdir().unwrap());
        let a = generate(dirs[0].path(), &opts).unwrap();
        let b = generate(dirs[1].path(), &opts).unwrap();
        let c = generate(dirs[2].path(), &GenerateOptions { seed: 2, ..opts }).unwrap();
        assert_eq!(a.robots_hosts, b.robots_hosts);
        for (fa, fb) in a.files.iter().zip(&b.files) {
            assert_eq!(fs::read(fa).unwrap(), fs::read(fb).unwrap());
        }
        assert_ne!(
            fs::read(&a.files[0]).unwrap(),
            fs::read(&c.files[0]).unwrap()
        );
    }
}
