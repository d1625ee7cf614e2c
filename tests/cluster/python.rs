//! The Python examples (examples/python/) against a 2-node domain on the real broker: the
//! standard-library HTTP client through one node's gateway, and the pika client as the
//! domain's caller user, pika installed into a throwaway virtualenv.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::deployed::{Deployed, Here};

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/python");

/// A virtualenv with pika, removed when dropped.
struct Venv(PathBuf);

impl Venv {
    fn with_pika() -> Venv {
        let dir = std::env::temp_dir().join(format!("clacks-venv-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let venv = Venv(dir);
        let made = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv.0)
            .output()
            .expect("python3 runs");
        assert!(
            made.status.success(),
            "{}",
            String::from_utf8_lossy(&made.stderr)
        );
        let pip = Command::new(venv.0.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
            .arg(Path::new(EXAMPLES).join("requirements.txt"))
            .output()
            .expect("pip runs");
        assert!(
            pip.status.success(),
            "{}",
            String::from_utf8_lossy(&pip.stderr)
        );
        venv
    }

    fn python(&self) -> PathBuf {
        self.0.join("bin/python")
    }
}

impl Drop for Venv {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs an example; every check line it prints must say `"ok": true`.
fn run_example(python: &Path, script: &str, args: &[&str]) -> Vec<serde_json::Value> {
    let out = Command::new(python)
        .arg(Path::new(EXAMPLES).join(script))
        .args(args)
        .output()
        .expect("the example runs");
    let printed = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{script}: {printed}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let checks: Vec<serde_json::Value> = printed
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    for check in &checks {
        assert_eq!(check["ok"], true, "{script}: {check}");
    }
    checks
}

fn names(checks: &[serde_json::Value]) -> Vec<&str> {
    checks.iter().filter_map(|c| c["check"].as_str()).collect()
}

#[test]
fn python_examples_call_a_two_node_domain_over_http_and_amqp() {
    let venv = Venv::with_pika();
    let domain = Deployed::create("python");
    let n1 = domain.node("n1", "127.0.0.1:0", &[]);
    let _n2 = domain.node("n2", "off", &[]);
    domain.wait_for_nodes(2);

    let http = run_example(&venv.python(), "clacks_http.py", &[n1.url()]);
    assert_eq!(
        names(&http),
        [
            "ping",
            "nodes",
            "cumulative",
            "call_on",
            "named_arguments",
            "error",
            "events"
        ]
    );
    assert_eq!(http[2]["responded"], serde_json::json!(["n1", "n2"]));
    assert_eq!(
        http[6]["origin"], "n2",
        "the filter let only n2's status through"
    );

    let amqp = run_example(
        &venv.python(),
        "clacks_amqp.py",
        &[&domain.caller_url(), &domain.domain],
    );
    assert_eq!(
        names(&amqp),
        [
            "ping",
            "nodes",
            "cumulative",
            "call_on",
            "named_arguments",
            "error",
            "unroutable",
            "events"
        ]
    );
    assert_eq!(amqp[2]["responded"], serde_json::json!(["n1", "n2"]));
}
