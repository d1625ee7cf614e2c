//! The charts view: calls, errors and latency per command drawn from the `NodeStatistics`
//! events (every second on the test node), and this node's totals from `/metrics`.

use super::page::Page;
use serde_json::json;

pub async fn charts_draw_calls_errors_and_latency_per_command(page: &Page) {
    for a in 0..5 {
        let answer = page.call("probe.add", json!([a, 1])).await;
        assert_eq!(answer["result"], json!(a + 1), "{answer}");
    }
    let failed = page.call("probe.fail", json!(["for the chart"])).await;
    assert!(failed["error"].is_object(), "{failed}");
    page.show("charts").await;
    let b = &page.browser;
    let chart = "#charts .chart[data-method=\"probe.fail\"]";
    b.wait_for(
        "a chart of probe.fail with its error",
        "return document.querySelector(arguments[0] + ' svg rect.errors');",
        vec![json!(chart)],
    )
    .await;
    b.wait_for(
        "a chart of probe.add with calls and a latency line",
        "const c = document.querySelector('#charts .chart[data-method=\"probe.add\"]'); return c && c.querySelector('svg rect.calls') && c.querySelector('svg polyline.latency');",
        vec![],
    )
    .await;
    let totals = b
        .wait_for(
            "this node's totals of probe.add",
            "const r = document.querySelector('#totals tr[data-method=\"probe.add\"]'); return r && [...r.children].map(td => td.textContent);",
            vec![],
        )
        .await;
    let calls: u64 = totals[1].as_str().and_then(|c| c.parse().ok()).unwrap_or(0);
    assert!(calls >= 5, "{totals}");
    b.screenshot("charts").await;
}
