//! The web admin page in a real browser: headless Chromium (Debian's `chromium` and
//! `chromium-driver`, installed by `.ci/prepare`) drives the page a real node serves at `/`.
//!
//! One browser serves the whole binary, so this test runs without libtest's harness
//! (`harness = false`): `main` starts the node and one WebDriver session, runs the scenarios one
//! after another (each under `catch_unwind`, so one failure does not hide the others), prints
//! `test NAME ... ok|FAILED` lines like libtest, quits the browser and exits 1 on any failure.
//! Name filters, `--skip`, `--list`, `--exact` and `--ignored` work as with libtest.
//!
//! Screenshots of every view go to `$CARGO_TARGET_DIR/artifacts/web/` (else
//! `target/artifacts/web/`); a failed wait saves one too (`timeout-*.png`).
//!
//! - `browser`: chromedriver, the session, waits and screenshots.
//! - `webdriver`: the WebDriver commands used, over `awc`.
//! - `page`: the node under test and what scenarios share.
//! - `domain`, `commands`, `events`, `charts`, `cross_site`, `rights`: the scenarios.

mod browser;
mod charts;
mod commands;
mod cross_site;
mod domain;
mod events;
mod page;
mod rights;
mod webdriver;

use futures_util::future::LocalBoxFuture;
use futures_util::FutureExt;
use page::Page;
use std::panic::AssertUnwindSafe;

type Scenario = for<'a> fn(&'a Page) -> LocalBoxFuture<'a, ()>;

/// Every scenario, in the order they run (the first measures the first view).
const SCENARIOS: &[(&str, Scenario)] = &[
    ("domain::the_tree_shows_the_nodes_plugins", |p| {
        domain::the_tree_shows_the_nodes_plugins(p).boxed_local()
    }),
    (
        "domain::a_restart_button_restarts_a_plugin_and_the_tree_shows_the_new_count",
        |p| {
            domain::a_restart_button_restarts_a_plugin_and_the_tree_shows_the_new_count(p)
                .boxed_local()
        },
    ),
    ("commands::the_command_form_returns_the_result", |p| {
        commands::the_command_form_returns_the_result(p).boxed_local()
    }),
    (
        "events::the_event_view_shows_a_matching_event_and_not_another",
        |p| events::the_event_view_shows_a_matching_event_and_not_another(p).boxed_local(),
    ),
    (
        "charts::charts_draw_calls_errors_and_latency_per_command",
        |p| charts::charts_draw_calls_errors_and_latency_per_command(p).boxed_local(),
    ),
    (
        "cross_site::a_call_from_another_site_is_refused_and_runs_nothing",
        |p| cross_site::a_call_from_another_site_is_refused_and_runs_nothing(p).boxed_local(),
    ),
    ("page::the_page_made_no_request_beyond_the_node", |p| {
        p.assert_only_own_origin().boxed_local()
    }),
    // Last: it opens the page of a second node.
    (
        "rights::a_user_without_the_right_sees_the_buttons_refused",
        |p| rights::a_user_without_the_right_sees_the_buttons_refused(p).boxed_local(),
    ),
];

/// The libtest arguments this runner understands.
struct Selection {
    filters: Vec<String>,
    skips: Vec<String>,
    exact: bool,
    list: bool,
    only_ignored: bool,
}

impl Selection {
    fn from_args() -> Selection {
        let mut selection = Selection {
            filters: Vec::new(),
            skips: Vec::new(),
            exact: false,
            list: false,
            only_ignored: false,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--skip" => selection.skips.extend(args.next()),
                "--exact" => selection.exact = true,
                "--list" => selection.list = true,
                "--ignored" => selection.only_ignored = true,
                // Flags with a value this runner has no use for.
                "--test-threads" | "--format" | "--color" | "--logfile" | "-Z" => {
                    args.next();
                }
                flag if flag.starts_with('-') => {}
                filter => selection.filters.push(filter.to_owned()),
            }
        }
        selection
    }

    fn matches(&self, pattern: &str, name: &str) -> bool {
        if self.exact {
            name == pattern
        } else {
            name.contains(pattern)
        }
    }

    fn wants(&self, name: &str) -> bool {
        !self.only_ignored
            && (self.filters.is_empty() || self.filters.iter().any(|f| self.matches(f, name)))
            && !self.skips.iter().any(|s| self.matches(s, name))
    }
}

fn main() {
    let selection = Selection::from_args();
    let chosen: Vec<_> = SCENARIOS
        .iter()
        .filter(|(name, _)| selection.wants(name))
        .collect();
    if selection.list {
        for (name, _) in &chosen {
            println!("{name}: test");
        }
        return;
    }
    println!("\nrunning {} tests", chosen.len());
    if chosen.is_empty() {
        println!("\ntest result: ok. 0 passed; 0 failed\n");
        return;
    }
    let ran = chosen.len();
    let failed = actix_rt::System::new().block_on(async move {
        let page = Page::start().await;
        let mut failed = Vec::new();
        for (name, scenario) in chosen {
            let outcome = AssertUnwindSafe(scenario(&page)).catch_unwind().await;
            match outcome {
                Ok(()) => println!("test {name} ... ok"),
                Err(_) => {
                    println!("test {name} ... FAILED");
                    page.browser.screenshot(&format!("failed-{name}")).await;
                    failed.push(*name);
                }
            }
        }
        page.stop().await;
        failed
    });
    println!(
        "\ntest result: {}. {} passed; {} failed\n",
        if failed.is_empty() { "ok" } else { "FAILED" },
        ran - failed.len(),
        failed.len()
    );
    if !failed.is_empty() {
        println!("failures: {failed:?}");
        std::process::exit(1);
    }
}
