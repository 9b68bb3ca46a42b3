// Build script of the Rust programs under bench/: records which tokio
// Cargo.lock resolved to and where it came from (TOKIO_VERSION,
// TOKIO_SOURCE), so that each program can print it, and turns on the
// recv_many workloads of tokio-sync when that tokio has Receiver::recv_many
// (added in tokio 1.37; Debian bookworm ships 1.24.2).
use std::path::PathBuf;

fn main() {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let lock = dir.join("Cargo.lock");
    println!("cargo:rerun-if-changed={}", lock.display());
    println!("cargo:rerun-if-changed={}", dir.join(".cargo/config.toml").display());
    println!("cargo:rustc-check-cfg=cfg(tokio_recv_many)");
    let text = std::fs::read_to_string(&lock).unwrap_or_default();
    let mut version = String::from("unknown");
    let mut in_tokio = false;
    for line in text.lines() {
        if line == "name = \"tokio\"" {
            in_tokio = true;
        } else if in_tokio && line.starts_with("version = ") {
            version = line.trim_start_matches("version = ").trim_matches('"').to_string();
            break;
        }
    }
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    if major > 1 || (major == 1 && minor >= 37) {
        println!("cargo:rustc-cfg=tokio_recv_many");
    }
    let config = std::fs::read_to_string(dir.join(".cargo/config.toml")).unwrap_or_default();
    let source = config
        .lines()
        .find_map(|l| l.trim().strip_prefix("directory = "))
        .map(|d| d.trim_matches('"').to_string())
        .unwrap_or_else(|| "default registry".into());
    println!("cargo:rustc-env=TOKIO_VERSION={version}");
    println!("cargo:rustc-env=TOKIO_SOURCE={source}");
}
