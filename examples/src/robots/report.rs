//! The reduce step: every file's hosts merged into one sorted, distinct list
//! (bytewise, as `LC_ALL=C sort -u`), the line counts added up, and the failed
//! files listed, none hiding another.

use std::io::{self, Write};

use super::scan::{FileScan, LineCounts, ScanError};

/// The outcome of a whole run.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Distinct robots.txt hosts of every file scanned, sorted bytewise.
    pub hosts: Vec<Vec<u8>>,
    /// Line counts over every file scanned.
    pub counts: LineCounts,
    /// Files scanned.
    pub files: usize,
    /// Compressed bytes read from the files scanned.
    pub file_bytes: u64,
    /// Files that failed, in the order they were listed.
    pub errors: Vec<ScanError>,
}

impl Report {
    /// Merges per-file results.
    ///
    /// ```
    /// use spindle_cookbook::robots::report::Report;
    /// use spindle_cookbook::robots::scan::{FileScan, LineCounts};
    ///
    /// let file = |hosts: &[&[u8]]| FileScan {
    ///     path: "x.log.gz".into(),
    ///     hosts: hosts.iter().map(|h| h.to_vec()).collect(),
    ///     counts: LineCounts::default(),
    ///     file_bytes: 0,
    /// };
    /// let report = Report::merge(vec![Ok(file(&[b"b", b"c"])), Ok(file(&[b"a", b"b"]))]);
    /// assert_eq!(report.hosts, [b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]);
    /// assert_eq!(report.files, 2);
    /// ```
    pub fn merge(results: impl IntoIterator<Item = Result<FileScan, ScanError>>) -> Self {
        let mut report = Report::default();
        for result in results {
            match result {
                Ok(scan) => {
                    report.files += 1;
                    report.file_bytes += scan.file_bytes;
                    report.counts.add(&scan.counts);
                    report.hosts.extend(scan.hosts);
                }
                Err(e) => report.errors.push(e),
            }
        }
        report.hosts.sort_unstable();
        report.hosts.dedup();
        report
    }

    /// Writes the hosts, one per line.
    pub fn write_hosts(&self, out: &mut impl Write) -> io::Result<()> {
        for host in &self.hosts {
            out.write_all(host)?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }

    /// The summary for stderr: what was read and which lines were skipped.
    ///
    /// ```
    /// let report = spindle_cookbook::robots::report::Report::default();
    /// assert_eq!(
    ///     report.summary(),
    ///     "robots: 0 hosts from 0 files (0 lines, 0 robots.txt requests); \
    ///      skipped 0 lines (0 empty or too short, 0 over 16 MiB); 0 lines not UTF-8 (matched on bytes)"
    /// );
    /// ```
    pub fn summary(&self) -> String {
        let c = &self.counts;
        format!(
            "robots: {} hosts from {} files ({} lines, {} robots.txt requests); \
             skipped {} lines ({} empty or too short, {} over {} MiB); \
             {} lines not UTF-8 (matched on bytes)",
            self.hosts.len(),
            self.files,
            c.lines,
            c.robots,
            c.short + c.overlong,
            c.short,
            c.overlong,
            super::scan::MAX_LINE >> 20,
            c.not_utf8,
        )
    }
}
