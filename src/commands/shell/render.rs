//! Answers for people: a list of records as a table, a CUMULATIVE result as one line per node,
//! anything else as indented JSON; an error as `error CODE KIND: message` with its data. Colour
//! only when the output is a terminal ([`Paint`]).

use serde_json::{Map, Value};
use std::time::Duration;

use crate::fleet::{report, FleetResult, NodeOutcome};
use crate::paint::Paint;

/// Cells longer than this are cut (with `…`).
const MAX_CELL: usize = 48;

/// Per-node values longer than this get a section of their own instead of one line.
const MAX_LINE: usize = 100;

/// Columns that name a record come first.
const NAMING: [&str; 4] = ["name", "path", "node", "id"];

/// A result, ready to print.
pub fn value(value: &Value, paint: Paint) -> String {
    if let Some(fleet) = cumulative(value) {
        return per_node(&fleet, paint);
    }
    if let Some(records) = records(value) {
        return table(&records, paint);
    }
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

/// A JSON-RPC error object, ready to print.
pub fn error(error: &Value, paint: Paint) -> String {
    let mut text = paint.red(&format!("error {}", report::error_text(error)));
    if let Some(data) = error["data"].as_object() {
        for (key, value) in data.iter().filter(|(k, _)| k.as_str() != "kind") {
            text.push_str(&format!(
                "\n  {}: {}",
                paint.dim(key),
                report::one_line(value)
            ));
        }
    }
    text
}

/// One line per node, or a section per node (its value rendered and indented) when a value
/// is too long for a line; the summary last.
fn per_node(fleet: &FleetResult, paint: Paint) -> String {
    let long = fleet.nodes.values().any(|o| match o {
        NodeOutcome::Answered(v, _) => report::one_line(v).chars().count() > MAX_LINE,
        _ => false,
    });
    let mut out: Vec<String> = match long {
        false => report::lines(fleet, paint),
        true => fleet
            .nodes
            .iter()
            .map(|(node, outcome)| match outcome {
                NodeOutcome::Answered(v, _) => {
                    let body = value(v, paint).replace('\n', "\n  ");
                    format!("{}\n  {body}", paint.bold(node))
                }
                other => {
                    let mut one = FleetResult::default();
                    one.nodes.insert(node.clone(), other.clone());
                    report::lines(&one, paint).concat()
                }
            })
            .collect(),
    };
    out.push(paint.dim(&report::summary(fleet)));
    out.join("\n")
}

/// A CUMULATIVE result read back into per-node outcomes.
fn cumulative(value: &Value) -> Option<FleetResult> {
    let object = value.as_object()?;
    let keys = ["results", "responded", "failed", "missing"];
    if object.len() != keys.len() || !keys.iter().all(|k| object.contains_key(*k)) {
        return None;
    }
    let mut fleet = FleetResult::default();
    for (node, v) in object["results"].as_object()? {
        let outcome = NodeOutcome::Answered(v.clone(), Duration::ZERO);
        fleet.nodes.insert(node.clone(), outcome);
    }
    for (node, e) in object["failed"].as_object()? {
        fleet
            .nodes
            .insert(node.clone(), NodeOutcome::Failed(e.clone()));
    }
    for node in object["missing"]
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
    {
        let outcome = NodeOutcome::Missing("no answer by the deadline".into());
        fleet.nodes.insert(node.to_owned(), outcome);
    }
    Some(fleet)
}

/// A non-empty list whose elements are all objects.
fn records(value: &Value) -> Option<Vec<&Map<String, Value>>> {
    let list = value.as_array().filter(|l| !l.is_empty())?;
    list.iter().map(Value::as_object).collect()
}

/// Columns in order of first appearance, one row per record.
fn table(records: &[&Map<String, Value>], paint: Paint) -> String {
    let mut columns: Vec<&str> = Vec::new();
    for record in records {
        for key in record.keys() {
            if !columns.contains(&key.as_str()) {
                columns.push(key);
            }
        }
    }
    columns.sort_by_key(|c| NAMING.iter().position(|n| n == c).unwrap_or(NAMING.len()));
    let rows: Vec<Vec<String>> = records
        .iter()
        .map(|r| columns.iter().map(|c| cell(r.get(*c))).collect())
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([c.chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<String>| -> String {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
            .collect();
        padded.join("  ").trim_end().to_owned()
    };
    let header = line(columns.iter().map(|c| c.to_string()).collect());
    let mut out = vec![paint.bold(&header)];
    out.extend(rows.into_iter().map(line));
    out.join("\n")
}

/// One cell: a string as itself, null as nothing, the rest as compact JSON; cut when long.
fn cell(value: Option<&Value>) -> String {
    let text = match value {
        None | Some(Value::Null) => String::new(),
        Some(v) => report::one_line(v).replace(['\n', '\t'], " "),
    };
    match text.chars().count() > MAX_CELL {
        true => text.chars().take(MAX_CELL - 1).collect::<String>() + "…",
        false => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_list_of_records_is_a_table() {
        let text = value(
            &json!([{"path": "node", "state": "running"}, {"path": "node/plugins", "restarts": 2}]),
            Paint::off(),
        );
        assert_eq!(
            text,
            "path          state    restarts\n\
             node          running\n\
             node/plugins           2"
        );
    }

    #[test]
    fn long_cells_are_cut_and_other_values_are_indented_json() {
        let long = "x".repeat(100);
        let text = value(&json!([{"a": long}]), Paint::off());
        assert!(text.lines().nth(1).unwrap().ends_with('…'), "{text}");
        assert_eq!(value(&json!({"a": 1}), Paint::off()), "{\n  \"a\": 1\n}");
        assert_eq!(value(&json!([1, 2]), Paint::off()), "[\n  1,\n  2\n]");
    }

    #[test]
    fn a_cumulative_result_is_one_line_per_node() {
        let text = value(
            &json!({"results": {"n1": 5}, "responded": ["n1"], "failed": {}, "missing": ["n2"]}),
            Paint::off(),
        );
        assert_eq!(
            text,
            "n1  5\nn2  missing: no answer by the deadline\n2 nodes: 1 responded, 0 failed, 1 missing (n2)"
        );
    }

    #[test]
    fn long_per_node_values_get_a_section_each() {
        let tree = json!([{"path": "node", "state": "running"}]);
        let text = value(
            &json!({"results": {"n1": tree, "n2": "x".repeat(120)}, "responded": ["n1", "n2"], "failed": {}, "missing": []}),
            Paint::off(),
        );
        assert!(
            text.starts_with("n1\n  path  state\n  node  running\nn2\n  "),
            "{text}"
        );
    }

    #[test]
    fn an_error_shows_its_code_kind_and_data() {
        let text = error(
            &json!({"code": -32601, "message": "no such command", "data": {"kind": "method_not_found", "node": "n1"}}),
            Paint::off(),
        );
        assert_eq!(
            text,
            "error -32601 method_not_found: no such command\n  node: n1"
        );
    }
}
