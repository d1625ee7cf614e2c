//! The example binary as a user runs it: `greeter-node` starts with the flags of `clacks node`,
//! prints the ready line, and answers its own plugin's command over HTTP beside the standard
//! ones; and the README shows this example's plugin word for word.

use clacks_tests::http;
use clacks_tests::process::NodeProcess;
use serde_json::{json, Value};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_greeter-node");

async fn call(url: &str, method: &str, params: Value) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let answer = http::post(url, "application/json", body.to_string()).await;
    assert_eq!(answer.status, 200, "{method}: {}", answer.body);
    answer.body
}

#[actix_rt::test]
async fn greeter_node_answers_its_own_plugin_and_the_standard_ones_over_http() {
    let node = NodeProcess::start_program(BIN, "greeter1", &["--http", "127.0.0.1:0"], &[]);
    assert_eq!(
        node.ready[..4],
        ["node", "greeter1", "domain", "org.clacks"]
    );
    let hello = call(
        node.url(),
        "greeter.hello",
        json!({"name": "Ada", "times": 2}),
    )
    .await;
    assert_eq!(
        hello["result"], "hello Ada from greeter1hello Ada from greeter1",
        "{hello}"
    );
    let count = call(node.url(), "greeter.greeted", json!([])).await;
    assert_eq!(count["result"], 1, "{count}");
    let ping = call(node.url(), "core.ping", json!([])).await;
    assert_eq!(ping["result"]["node"], "greeter1", "{ping}");
    node.signal("-TERM");
    let (status, rest) = node.finish(Duration::from_secs(30));
    assert_eq!(status.code(), Some(0), "{rest:?}");
}

#[test]
fn greeter_node_refuses_a_bad_flag_with_exit_2() {
    let out = std::process::Command::new(BIN)
        .arg("--htp")
        .output()
        .expect("greeter-node runs");
    assert_eq!(out.status.code(), Some(2));
}

/// The plugin source below its `//!` paragraph.
fn example_code() -> String {
    let source = include_str!("../src/greeter.rs");
    let code: Vec<&str> = source
        .lines()
        .skip_while(|l| l.starts_with("//!") || l.is_empty())
        .collect();
    code.join("\n")
}

/// The first ```rust block under "## Writing a plugin" in README.md.
fn readme_code() -> Option<String> {
    let readme = include_str!("../../../README.md");
    let section = &readme[readme.find("## Writing a plugin")?..];
    let start = section.find("```rust\n")? + "```rust\n".len();
    let end = start + section[start..].find("\n```")?;
    Some(section[start..end].to_owned())
}

#[test]
fn readme_plugin_example_is_this_example_word_for_word() {
    let readme = readme_code().expect("README.md has a ```rust block under ## Writing a plugin");
    assert!(
        readme.trim_end() == example_code().trim_end(),
        "README.md's plugin example differs from examples/greeter-node/src/greeter.rs; \
         copy the file (from its first `use`) into the README:\n{}",
        example_code()
    );
}
