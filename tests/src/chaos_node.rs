//! The test-only node binary `clacks-chaos-node` (crate `tests/chaos-node`): `clacks node`
//! plus the fault-injection plugin `chaos`. A test binary of another package cannot name it
//! with `env!("CARGO_BIN_EXE_…")`, so [`chaos_node_bin`] builds it once per test process with
//! the cargo that builds the tests, into the target folder and profile the test binary itself
//! runs from (so a clean clone, `--release` and a custom `CARGO_TARGET_DIR` all work), and
//! gives its path.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The package and binary name.
pub const CHAOS_NODE: &str = "clacks-chaos-node";

/// The path of a freshly built `clacks-chaos-node`, beside `sibling` (a binary of the same
/// build, e.g. `env!("CARGO_BIN_EXE_clacks")`). Panics, with cargo's output, when it cannot
/// be built.
pub fn chaos_node_bin(sibling: &str) -> PathBuf {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match BUILT.get_or_init(|| build(Path::new(sibling))) {
        Ok(path) => path.clone(),
        Err(why) => panic!("cannot build {CHAOS_NODE}: {why}"),
    }
}

fn build(sibling: &Path) -> Result<PathBuf, String> {
    // TARGET/PROFILE/clacks: the profile folder is `debug` for the dev profile.
    let profile_dir = sibling.parent().ok_or("the sibling binary has no folder")?;
    let target_dir = profile_dir
        .parent()
        .ok_or("the profile folder has no parent")?;
    let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") | None => "dev",
        Some(other) => other,
    };
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("chaos-node/Cargo.toml");
    let out = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--profile", profile, "--manifest-path"])
        .arg(&manifest)
        .env("CARGO_TARGET_DIR", target_dir)
        .output()
        .map_err(|e| format!("{}: {e}", env!("CARGO")))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let bin = profile_dir.join(CHAOS_NODE);
    match bin.is_file() {
        true => Ok(bin),
        false => Err(format!(
            "cargo built it, but {} is not there",
            bin.display()
        )),
    }
}
