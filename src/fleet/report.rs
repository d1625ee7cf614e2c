//! A fleet call for people: one line per node (its value on one line, or `failed CODE KIND:
//! message`, or `missing: why`), then a summary naming who failed and who is missing.

use serde_json::Value;

use super::{FleetResult, NodeOutcome};
use crate::paint::Paint;

/// One line per node, sorted by name.
pub fn lines(result: &FleetResult, paint: Paint) -> Vec<String> {
    let width = result.nodes.keys().map(|n| n.len()).max().unwrap_or(0);
    result
        .nodes
        .iter()
        .map(|(node, outcome)| {
            let name = paint.bold(&format!("{node:<width$}"));
            match outcome {
                NodeOutcome::Answered(value, _) => format!("{name}  {}", one_line(value)),
                NodeOutcome::Failed(error) => {
                    format!(
                        "{name}  {}",
                        paint.red(&format!("failed {}", error_text(error)))
                    )
                }
                NodeOutcome::Missing(why) => {
                    format!("{name}  {}", paint.yellow(&format!("missing: {why}")))
                }
            }
        })
        .collect()
}

/// `N nodes: A responded, F failed (a, b), M missing (c)`.
pub fn summary(result: &FleetResult) -> String {
    let named = |pick: fn(&NodeOutcome) -> bool| -> Vec<&str> {
        result
            .nodes
            .iter()
            .filter(|(_, o)| pick(o))
            .map(|(n, _)| n.as_str())
            .collect()
    };
    let responded = named(|o| matches!(o, NodeOutcome::Answered(..)));
    let failed = named(|o| matches!(o, NodeOutcome::Failed(_)));
    let missing = named(|o| matches!(o, NodeOutcome::Missing(_)));
    let list = |names: &[&str]| match names.is_empty() {
        true => String::new(),
        false => format!(" ({})", names.join(", ")),
    };
    let count = result.nodes.len();
    let nodes = if count == 1 { "node" } else { "nodes" };
    format!(
        "{count} {nodes}: {} responded, {} failed{}, {} missing{}",
        responded.len(),
        failed.len(),
        list(&failed),
        missing.len(),
        list(&missing)
    )
}

/// A value on one line: a string as itself, anything else as compact JSON.
pub fn one_line(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `-32002 unavailable: message`.
pub fn error_text(error: &Value) -> String {
    let code = error["code"]
        .as_i64()
        .map(|c| c.to_string())
        .unwrap_or_default();
    let kind = error["data"]["kind"].as_str().unwrap_or("error");
    let message = error["message"].as_str().unwrap_or("");
    format!("{code} {kind}: {message}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::time::Duration;

    #[test]
    fn every_node_gets_one_line_and_the_summary_names_the_missing() {
        let mut r = FleetResult::default();
        r.nodes.insert(
            "n1".into(),
            NodeOutcome::Answered(json!({"x": 1}), Duration::ZERO),
        );
        r.nodes.insert(
            "n22".into(),
            NodeOutcome::Failed(
                json!({"code": -32002, "message": "gone", "data": {"kind": "unavailable"}}),
            ),
        );
        r.nodes
            .insert("n3".into(), NodeOutcome::Missing("no answer".into()));
        assert_eq!(
            lines(&r, Paint::off()),
            [
                "n1   {\"x\":1}",
                "n22  failed -32002 unavailable: gone",
                "n3   missing: no answer"
            ]
        );
        assert_eq!(
            summary(&r),
            "3 nodes: 1 responded, 1 failed (n22), 1 missing (n3)"
        );
    }
}
