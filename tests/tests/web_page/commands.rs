//! The commands view: every command with its docs, and a form that calls one and shows the
//! result (and an error as an error).

use super::page::Page;
use serde_json::json;

pub async fn the_command_form_returns_the_result(page: &Page) {
    page.show("commands").await;
    let b = &page.browser;
    b.wait_for(
        "probe.add among the commands",
        "return document.querySelector('#call-method option[value=\"probe.add\"]') && document.querySelector('#commands details[data-method=\"probe.add\"] .doc');",
        vec![],
    )
    .await;
    let doc = b
        .js("return document.querySelector('#commands details[data-method=\"core.restart\"] .doc').textContent;", vec![])
        .await;
    assert!(
        doc.as_str()
            .is_some_and(|d| d.contains("Restarts the actor at `path`")),
        "the command's docs are shown: {doc}"
    );
    b.fill("#call-method", "probe.add").await;
    b.wait_for(
        "the parameters of probe.add",
        "return document.querySelector('#call-params input[data-param=\"b\"]');",
        vec![],
    )
    .await;
    b.fill("#call-params input[data-param=\"a\"]", "2").await;
    b.fill("#call-params input[data-param=\"b\"]", "40").await;
    b.click("#call-submit").await;
    let result = b
        .wait_for(
            "the result",
            "const r = document.querySelector('#call-result.ok'); return r && r.textContent;",
            vec![],
        )
        .await;
    assert_eq!(result, json!("42"));
    b.screenshot("commands").await;

    // An error answer shows as an error, with its message.
    b.fill("#call-method", "probe.fail").await;
    b.wait_for(
        "the parameters of probe.fail",
        "return document.querySelector('#call-params input[data-param=\"reason\"]');",
        vec![],
    )
    .await;
    b.fill(
        "#call-params input[data-param=\"reason\"]",
        "on purpose from the page",
    )
    .await;
    b.click("#call-submit").await;
    let error = b
        .wait_for(
            "the error",
            "const r = document.querySelector('#call-result.error'); return r && r.textContent;",
            vec![],
        )
        .await;
    assert!(
        error
            .as_str()
            .is_some_and(|e| e.contains("on purpose from the page")),
        "{error}"
    );
}
