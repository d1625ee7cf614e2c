//! Tables of objects for the terminal: one object as `NAME  VALUE` lines (identity first,
//! then its attributes), a search page as one row per object with aligned columns (DN, TYPE,
//! and the attributes asked for). Text values print as they are, other values as JSON;
//! several values of one attribute are joined with `, `.

use serde_json::Value;

/// One value as a table shows it.
fn cell(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join(", "),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Rows padded into columns two spaces apart (the last column unpadded).
fn aligned(rows: &[Vec<String>]) -> Vec<String> {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    rows.iter()
        .map(|row| {
            let mut line = String::new();
            for (c, text) in row.iter().enumerate() {
                if c + 1 == row.len() {
                    line.push_str(text);
                } else {
                    let pad = widths[c].saturating_sub(text.chars().count());
                    line.push_str(text);
                    line.push_str(&" ".repeat(pad + 2));
                }
            }
            line.trim_end().to_owned()
        })
        .collect()
}

/// One object (`{"dn","uuid","type","extensions","attrs","revision"}`) as `NAME  VALUE` lines.
pub fn object(object: &Value) -> Vec<String> {
    let mut rows: Vec<Vec<String>> = ["dn", "uuid", "type", "extensions", "revision"]
        .iter()
        .map(|k| vec![(*k).to_owned(), cell(&object[*k])])
        .collect();
    if let Some(attrs) = object["attrs"].as_object() {
        for (name, values) in attrs {
            rows.push(vec![name.clone(), cell(values)]);
        }
    }
    aligned(&rows)
}

/// A search page (`{"objects": [...]}`) as rows: DN, TYPE and the `attrs` columns, under a
/// header.
pub fn objects(page: &Value, attrs: &[String]) -> Vec<String> {
    let mut header = vec!["DN".to_owned(), "TYPE".to_owned()];
    header.extend(attrs.iter().cloned());
    let mut rows = vec![header];
    for o in page["objects"].as_array().into_iter().flatten() {
        let mut row = vec![cell(&o["dn"]), cell(&o["type"])];
        row.extend(attrs.iter().map(|a| cell(&o["attrs"][a])));
        rows.push(row);
    }
    aligned(&rows)
}

/// Counts as `NAME  VALUE` lines (`objects.reindex`).
pub fn counts(report: &Value) -> Vec<String> {
    let rows: Vec<Vec<String>> = report
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| vec![k.clone(), cell(v)])
        .collect();
    aligned(&rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn search_rows_line_up_under_their_header() {
        let page = json!({"objects": [
            {"dn": "cn=A,dc=x", "type": "User", "attrs": {"sn": ["Doe"], "mail": ["a@x", "b@x"]}},
            {"dn": "cn=Longer Name,dc=x", "type": "User", "attrs": {"uidNumber": [1000]}},
        ]});
        let lines = objects(&page, &["sn".to_owned(), "mail".to_owned()]);
        assert_eq!(
            lines,
            vec![
                format!("DN{}TYPE  sn   mail", " ".repeat(19)),
                format!("cn=A,dc=x{}User  Doe  a@x, b@x", " ".repeat(12)),
                "cn=Longer Name,dc=x  User".to_owned(),
            ]
        );
    }

    #[test]
    fn an_object_lists_identity_then_attributes() {
        let o = json!({"dn": "cn=A,dc=x", "uuid": "u-1", "type": "User", "extensions": ["PosixUser"],
                       "revision": 3, "attrs": {"uidNumber": [1000], "sn": ["Doe"]}});
        assert_eq!(
            object(&o),
            vec![
                "dn          cn=A,dc=x",
                "uuid        u-1",
                "type        User",
                "extensions  PosixUser",
                "revision    3",
                "sn          Doe",
                "uidNumber   1000",
            ]
        );
    }
}
