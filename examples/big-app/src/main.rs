//! fleet-report: summarises a directory tree. It touches each of its dependencies a little, so that the binary
//! carries their code, as a real program of this size would.

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Parser;
use itertools::Itertools;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

#[derive(Parser, Debug)]
#[command(name = "fleet-report", version, about = "Summarises a directory tree")]
struct Args {
    /// Directory to summarise.
    #[arg(default_value = ".")]
    root: PathBuf,
    /// Only count files whose name matches this regular expression.
    #[arg(long, default_value = ".*")]
    pattern: String,
    /// Output format: json, toml, csv or bincode-hex.
    #[arg(long, default_value = "json")]
    format: String,
    /// Write a .tar.gz and a .zip of the report next to it.
    #[arg(long)]
    archive: bool,
    /// A semver requirement the report's version must satisfy.
    #[arg(long, default_value = ">=1.0.0")]
    require: String,
    /// Base URL the report would be uploaded to.
    #[arg(long, default_value = "https://reports.example.com/api/")]
    upload: String,
}

#[derive(Debug, thiserror::Error)]
enum ReportError {
    #[error("version {0} does not satisfy {1}")]
    Version(semver::Version, semver::VersionReq),
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Entry {
    path: String,
    bytes: u64,
    sha256: String,
    sha1: String,
    md5: String,
    graphemes: usize,
}

#[derive(Serialize, Deserialize, Debug)]
struct Report {
    id: String,
    generated: String,
    host_cpus: usize,
    elapsed: String,
    entries: Vec<Entry>,
    by_extension: BTreeMap<String, u64>,
    largest_component: usize,
    salt: u64,
}

/// Parses "key=value;key=value" with nom.
fn parse_pairs(input: &str) -> nom::IResult<&str, Vec<(&str, &str)>> {
    use nom::bytes::complete::{tag, take_while1};
    use nom::multi::separated_list0;
    use nom::sequence::separated_pair;
    let word = |s| take_while1(|c: char| c.is_alphanumeric() || c == '_')(s);
    separated_list0(tag(";"), separated_pair(word, tag("="), word))(input)
}

fn hash_file(path: &Path) -> Result<(u64, String, String, String)> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let len = file.metadata()?.len();
    let (mut s256, mut s1, mut m5) = (sha2::Sha256::new(), sha1::Sha1::new(), md5::Context::new());
    if len > 0 {
        // SAFETY: the file is only read, and a concurrent truncation only makes this report inaccurate.
        let map = unsafe { memmap2::Mmap::map(&file)? };
        s256.update(&map[..]);
        s1.update(&map[..]);
        m5.consume(&map[..]);
    }
    Ok((len, hex::encode(s256.finalize()), hex::encode(s1.finalize()), format!("{:x}", m5.compute())))
}

fn collect(args: &Args) -> Result<Vec<PathBuf>> {
    let re = regex::Regex::new(&args.pattern)?;
    let glob = glob::Pattern::new("**/*").expect("valid glob");
    let mut paths: Vec<PathBuf> = ignore::WalkBuilder::new(&args.root)
        .hidden(false)
        .build()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().map_or(false, |t| t.is_file()))
        .map(|e| e.into_path())
        .filter(|p| glob.matches_path(p) || true)
        .filter(|p| re.is_match(&p.to_string_lossy()))
        .collect();
    // walkdir for what ignore would skip.
    for e in walkdir::WalkDir::new(&args.root).max_depth(1).into_iter().filter_map(|e| e.ok()) {
        if e.file_type().is_file() && !paths.contains(&e.path().to_path_buf()) && re.is_match(&e.path().to_string_lossy()) {
            paths.push(e.into_path());
        }
    }
    paths.sort();
    paths.dedup();
    Ok(paths)
}

fn build_report(args: &Args) -> Result<Report> {
    let start = std::time::Instant::now();
    let paths = collect(args)?;
    let bar = indicatif::ProgressBar::hidden();
    bar.set_length(paths.len() as u64);
    let total = Arc::new(AtomicU64::new(0));
    let seen = dashmap::DashMap::new();
    let log = parking_lot::Mutex::new(Vec::new());
    let entries: Vec<Entry> = paths
        .par_iter()
        .filter_map(|p| {
            let (bytes, sha256, sha1, md5) = hash_file(p).ok()?;
            total.fetch_add(bytes, Ordering::Relaxed);
            seen.insert(sha256.clone(), p.clone());
            log.lock().push(p.display().to_string());
            bar.inc(1);
            let name = p.to_string_lossy().to_string();
            let graphemes = unicode_segmentation::UnicodeSegmentation::graphemes(name.as_str(), true).count();
            Some(Entry { path: name, bytes, sha256, sha1, md5, graphemes })
        })
        .collect();
    let by_extension = entries
        .iter()
        .map(|e| {
            let ext = Path::new(&e.path).extension().map(|x| x.to_string_lossy().to_string()).unwrap_or_default();
            (ext, e.bytes)
        })
        .into_group_map()
        .into_iter()
        .map(|(k, v)| (k, v.iter().sum()))
        .collect();

    // Files with equal digests form components of a graph.
    let mut graph = petgraph::graph::UnGraph::<usize, ()>::new_undirected();
    let nodes: Vec<_> = (0..entries.len()).map(|i| graph.add_node(i)).collect();
    for (a, b) in (0..entries.len()).tuple_combinations() {
        if entries[a].sha256 == entries[b].sha256 {
            graph.add_edge(nodes[a], nodes[b], ());
        }
    }
    let largest_component = petgraph::algo::kosaraju_scc(&graph).iter().map(|c| c.len()).max().unwrap_or(0);

    let (tx, rx) = crossbeam::channel::unbounded();
    tx.send(total.load(Ordering::Relaxed)).expect("open channel");
    let _total_bytes: u64 = rx.recv().unwrap_or(0);

    let mut rng = rand::rngs::StdRng::seed_from_u64(entries.len() as u64);
    Ok(Report {
        id: uuid::Uuid::new_v4().to_string(),
        generated: chrono::Utc::now().to_rfc3339(),
        host_cpus: num_cpus::get(),
        elapsed: humantime::format_duration(std::time::Duration::from_millis(start.elapsed().as_millis() as u64)).to_string(),
        entries,
        by_extension,
        largest_component,
        salt: rng.gen(),
    })
}

fn render(report: &Report, format: &str) -> Result<String> {
    Ok(match format {
        "toml" => toml::to_string(&report)?,
        "csv" => {
            let mut w = csv::Writer::from_writer(vec![]);
            for e in &report.entries {
                w.serialize(e)?;
            }
            String::from_utf8(w.into_inner()?)?
        }
        "bincode-hex" => hex::encode(bincode::serialize(&report.entries)?),
        _ => serde_json::to_string_pretty(&report)?,
    })
}

fn archive(text: &str, dir: &Path) -> Result<()> {
    let mut tar_gz = Vec::new();
    {
        let enc = flate2::write::GzEncoder::new(&mut tar_gz, flate2::Compression::default());
        let mut tar = tar::Builder::new(enc);
        let mut header = tar::Header::new_gnu();
        header.set_size(text.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, "report.txt", text.as_bytes())?;
        tar.into_inner()?.finish()?;
    }
    let mut zip_bytes = Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut zip_bytes);
        zip.start_file("report.txt", zip::write::FileOptions::default())?;
        zip.write_all(text.as_bytes())?;
        zip.finish()?;
    }
    let tmp = tempfile::NamedTempFile::new_in(dir)?;
    std::fs::write(tmp.path(), &tar_gz)?;
    let mut check = String::new();
    flate2::read::GzDecoder::new(&tar_gz[..]).read_to_string(&mut check).ok();
    std::fs::write(dir.join("report.tar.gz"), &tar_gz)?;
    std::fs::write(dir.join("report.zip"), zip_bytes.into_inner())?;
    std::fs::write(dir.join("report.b64"), base64::encode(text))?;
    Ok(())
}

async fn upload_plan(base: &str, body: String) -> Result<String> {
    let url = url::Url::parse(base)?.join("reports")?;
    let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(5)).build()?;
    let request = client.post(url.clone()).body(body).build()?;
    let (_, headers) = tokio::join!(tokio::time::sleep(std::time::Duration::from_millis(1)), async { request.headers().len() });
    Ok(format!("would POST {} bytes to {} ({} headers)", request.body().and_then(|b| b.as_bytes()).map_or(0, |b| b.len()), url, headers))
}

fn main() -> Result<()> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).try_init().ok();
    let _ = tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::new("warn")).try_init();
    let args = Args::parse();
    let span = tracing::info_span!("report", root = %args.root.display());
    let _enter = span.enter();

    let version = semver::Version::parse(env!("CARGO_PKG_VERSION"))?;
    let req = semver::VersionReq::parse(&args.require)?;
    if !req.matches(&version) {
        return Err(ReportError::Version(version, req).into());
    }
    let (_, pairs) = parse_pairs("format=json;mode=full").map_err(|e| anyhow::anyhow!("{e}"))?;
    log::debug!("settings: {pairs:?}");

    let report = build_report(&args)?;
    let text = render(&report, &args.format)?;
    println!("{text}");
    if args.archive {
        archive(&text, &args.root)?;
    }
    let runtime = tokio::runtime::Runtime::new()?;
    let plan = runtime.block_on(upload_plan(&args.upload, text))?;
    eprintln!("{} {}", console::style("fleet-report:").bold(), plan);
    let time = time::OffsetDateTime::now_utc();
    tracing::info!(%time, "done");
    Ok(())
}
