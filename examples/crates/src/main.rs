//! sha-report PATTERN FILE...: prints {"file": ..., "sha256": ...} for each FILE whose name matches PATTERN.

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use std::io::Read;

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let pattern = args.next().context("usage: sha-report PATTERN FILE...")?;
    let re = regex::Regex::new(&pattern).with_context(|| format!("bad pattern {pattern:?}"))?;
    for path in args.filter(|p| re.is_match(p)) {
        let mut file = std::fs::File::open(&path).with_context(|| format!("opening {path}"))?;
        let mut hasher = Sha256::new();
        let mut buf = [0u8; 64 * 1024];
        loop {
            let n = file.read(&mut buf).with_context(|| format!("reading {path}"))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        let line = serde_json::json!({ "file": path, "sha256": hex::encode(hasher.finalize()) });
        println!("{line}");
    }
    Ok(())
}
