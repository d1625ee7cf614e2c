//! One headless Chromium for the whole test binary, driven over WebDriver: `chromedriver` on a
//! free loopback port (started once, killed when the binary ends), one session with
//! `--headless=new` and `--no-sandbox` (Chromium refuses to run as root otherwise), waits that
//! poll a JavaScript condition instead of sleeping, and screenshots saved as test artifacts.

use super::webdriver::Session;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a condition may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(15);
/// How often a condition is checked.
const POLL: Duration = Duration::from_millis(50);

/// The running `chromedriver` and the one browser session.
pub struct Browser {
    pub session: Session,
    driver: Child,
}

fn free_port() -> u16 {
    let listener =
        std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("no free port: {e}"));
    listener
        .local_addr()
        .unwrap_or_else(|e| panic!("bound port without address: {e}"))
        .port()
}

/// Where screenshots go: `$CARGO_TARGET_DIR/artifacts/web/`, else `artifacts/web/` in the target
/// folder this test binary was built in (`target/debug/deps/…` → `target/`).
pub fn artifacts_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            let exe = std::env::current_exe().ok()?;
            Some(exe.parent()?.parent()?.parent()?.to_path_buf())
        })
        .unwrap_or_else(|| PathBuf::from("target"));
    let dir = target.join("artifacts").join("web");
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

impl Browser {
    /// Starts `chromedriver` (from `CLACKS_CHROMEDRIVER`, else `chromedriver` on the PATH) and
    /// opens one headless Chromium session.
    pub async fn start() -> Browser {
        let program =
            std::env::var("CLACKS_CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let port = free_port();
        let driver = Command::new(&program)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start {program} ({e}): install chromium and chromium-driver (.ci/prepare does)")
            });
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {"args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1000", "--no-first-run", "--disable-extensions",
            ]},
        });
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        // The driver needs a moment to listen: retry until it answers.
        let session = loop {
            match Session::open(&url, capabilities.clone()).await {
                Ok(session) => break session,
                Err(_) if started.elapsed() < Duration::from_secs(20) => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("no WebDriver session from {program} on {url}: {e}"),
            }
        };
        Browser { session, driver }
    }

    /// Ends the session (Chromium quits) and the driver.
    pub async fn quit(mut self) {
        if let Err(e) = self.session.close().await {
            eprintln!("web_page: closing the browser session failed: {e}");
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }

    /// Runs `script` (a function body; `arguments` are `args`) in the page.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.session
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Waits until `script` returns something truthy (not null, false, 0 or ""), and returns it;
    /// fails naming `what` after [`WAIT`].
    pub async fn wait_for(&self, what: &str, script: &str, args: Vec<Value>) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            let value = self.js(script, args.clone()).await;
            let truthy = match &value {
                Value::Null | Value::Bool(false) => false,
                Value::Number(n) => n.as_f64() != Some(0.0),
                Value::String(s) => !s.is_empty(),
                _ => true,
            };
            if truthy {
                return value;
            }
            if Instant::now() > deadline {
                self.screenshot(&format!("timeout-{}", what.replace(' ', "-")))
                    .await;
                panic!("timed out after {WAIT:?} waiting for {what}");
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Clicks the element `selector` names (in the page, so a re-rendered list is no problem).
    pub async fn click(&self, selector: &str) {
        let clicked = self
            .js(
                "const e = document.querySelector(arguments[0]); if (!e) return false; e.click(); return true;",
                vec![json!(selector)],
            )
            .await;
        assert_eq!(clicked, json!(true), "nothing to click at {selector}");
    }

    /// Sets the value of the input `selector` names.
    pub async fn fill(&self, selector: &str, value: &str) {
        let filled = self
            .js(
                "const e = document.querySelector(arguments[0]); if (!e) return false; e.value = arguments[1]; e.dispatchEvent(new Event('change', {bubbles: true})); return true;",
                vec![json!(selector), json!(value)],
            )
            .await;
        assert_eq!(filled, json!(true), "no input at {selector}");
    }

    /// Saves a PNG of what the browser shows as `NAME.png` in [`artifacts_dir`]; returns the path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let path = artifacts_dir().join(format!("{name}.png"));
        match self.session.screenshot().await {
            Ok(png) => {
                if let Err(e) = std::fs::write(&path, png) {
                    eprintln!("web_page: cannot write {}: {e}", path.display());
                }
            }
            Err(e) => eprintln!("web_page: no screenshot {name}: {e}"),
        }
        path
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // A panic outside a scenario: never leave a driver behind.
        let _ = self.driver.kill();
    }
}
