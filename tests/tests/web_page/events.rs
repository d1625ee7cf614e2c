//! The event view: the node's `/events` stream filtered by XPath on the node; a published event
//! that matches the filter is shown, one that does not is not. A bad filter is shown as the
//! node's refusal.

use super::page::Page;
use clacks_xml::envelope;
use serde_json::json;

/// A caller-publishable event.
fn notice(target: &str, timeout: u32) -> String {
    envelope::wrap(&format!(
        "<Notification><Target>{target}</Target><Body>from the test</Body><Timeout>{timeout}</Timeout></Notification>"
    ))
}

pub async fn the_event_view_shows_a_matching_event_and_not_another(page: &Page) {
    page.show("events").await;
    let b = &page.browser;
    b.fill("#event-filter", "//e:Notification[e:Timeout > 2]")
        .await;
    b.fill("#event-names", "Notification").await;
    b.click("#event-apply").await;
    b.wait_for(
        "the stream to be subscribed",
        "return document.getElementById('event-status').dataset.state === 'listening';",
        vec![],
    )
    .await;
    for (target, timeout) in [("quiet-one", 1), ("loud-one", 3), ("last-one", 7)] {
        let answer = page
            .call("events.publish", json!([notice(target, timeout)]))
            .await;
        assert_eq!(answer["result"]["event"], json!("Notification"), "{answer}");
    }
    // Events arrive in order: once the last is shown, a non-matching one would be too.
    b.wait_for(
        "the last matching event",
        "return document.getElementById('event-list').textContent.includes('last-one');",
        vec![],
    )
    .await;
    let shown = b
        .js("return [...document.querySelectorAll('#event-list li.event')].map(li => li.dataset.name + ' ' + li.textContent);", vec![])
        .await;
    let shown: Vec<&str> = shown
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    assert_eq!(shown.len(), 2, "{shown:?}");
    assert!(
        shown.iter().all(|e| e.starts_with("Notification")),
        "{shown:?}"
    );
    assert!(shown.iter().any(|e| e.contains("loud-one")), "{shown:?}");
    assert!(
        !shown.iter().any(|e| e.contains("quiet-one")),
        "filtered out on the node: {shown:?}"
    );
    b.screenshot("events").await;

    // A filter the node cannot read: the refusal is shown, nothing listens.
    b.fill("#event-filter", "//e:Notification[").await;
    b.click("#event-apply").await;
    let refusal = b
        .wait_for(
            "the bad filter's refusal",
            "const s = document.getElementById('event-status'); return s.dataset.state === 'error' && s.textContent;",
            vec![],
        )
        .await;
    assert!(
        refusal.as_str().is_some_and(|r| r.contains("HTTP 400")),
        "{refusal}"
    );
    b.click("#event-stop").await;
}
