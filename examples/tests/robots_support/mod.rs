//! Shared helpers of the robots tests (`mod robots_support;` in each).
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;

use flate2::read::MultiGzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;

/// One gzip member holding `text`.
pub fn gzip(text: &[u8]) -> Vec<u8> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    gz.write_all(text).unwrap();
    gz.finish().unwrap()
}

/// The job's definition, written the slow, obvious way: decompress the whole
/// file, split lines on `\n` and fields on ASCII whitespace (Python's
/// `bytes.split()`), keep field 0 where field 6 is `/robots.txt`.
pub fn slow_reference(dir: &Path) -> BTreeSet<Vec<u8>> {
    let mut hosts = BTreeSet::new();
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".log.gz"))
        .collect();
    names.sort();
    for path in names {
        let mut text = Vec::new();
        MultiGzDecoder::new(std::fs::File::open(&path).unwrap())
            .read_to_end(&mut text)
            .unwrap();
        for line in text.split(|&b| b == b'\n') {
            let fields: Vec<&[u8]> = line
                .split(|b| b" \t\n\r\x0b\x0c".contains(b))
                .filter(|f| !f.is_empty())
                .collect();
            if fields.len() > 6 && fields[6] == b"/robots.txt" {
                hosts.insert(fields[0].to_vec());
            }
        }
    }
    hosts
}

/// The shell pipeline of the issue, if `sh`, `zcat`, `awk` and `sort` exist:
/// `zcat DIR/*.log.gz | awk '$7=="/robots.txt"{print $1}' | LC_ALL=C sort -u`.
pub fn pipeline_reference(dir: &Path) -> Option<Vec<u8>> {
    let have = |tool: &str| {
        Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !["zcat", "awk", "sort"].iter().all(|t| have(t)) {
        eprintln!("note: zcat, awk or sort missing: the pipeline reference is skipped");
        return None;
    }
    let out = Command::new("sh")
        .arg("-c")
        .arg(
            r#"zcat "$0"/*.log.gz | LC_ALL=C awk '$7=="/robots.txt"{print $1}' | LC_ALL=C sort -u"#,
        )
        .arg(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "the pipeline failed: {out:?}");
    Some(out.stdout)
}

/// Hosts as the CLI prints them: one per line.
pub fn lines_of(hosts: impl IntoIterator<Item = Vec<u8>>) -> Vec<u8> {
    let mut out = Vec::new();
    for h in hosts {
        out.extend_from_slice(&h);
        out.push(b'\n');
    }
    out
}
