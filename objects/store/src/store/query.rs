//! Search queries, in the form the original's `find` took (a MongoDB-style subset):
//! `{"_type": "User", "sn": "Doe"}`, with `$in`, `$regex` (the regex crate: linear time),
//! `$gt`/`$lt`, `$and`/`$or`/`$not`. Values are always compared literally: nothing in a
//! value is a pattern unless it is given to `$regex`. [`Query::parse`] checks a query once;
//! [`Query::matches`] tests one object (its type, extensions and values as JSON).

use regex::Regex;
use serde_json::Value as Json;
use std::collections::BTreeMap;

use crate::error::{Error, Result};

/// One object as a query sees it.
pub struct Candidate<'a> {
    /// The base type.
    pub object_type: &'a str,
    /// The active extensions.
    pub extensions: &'a [String],
    /// The DN.
    pub dn: &'a str,
    /// Attribute values, as JSON.
    pub attrs: &'a BTreeMap<String, Vec<Json>>,
}

/// A condition on one attribute's values.
#[derive(Debug)]
enum Test {
    Equals(Json),
    In(Vec<Json>),
    Regex(Regex),
    Greater(Json),
    Less(Json),
}

/// A parsed query.
#[derive(Debug)]
pub enum Query {
    /// Every part holds.
    And(Vec<Query>),
    /// Some part holds.
    Or(Vec<Query>),
    /// The part does not hold.
    Not(Box<Query>),
    /// An attribute (`_type`, `_extensions`, `dn` or a real one) passes a test.
    Field(String, Vec<TestBox>),
}

/// A boxed attribute test (kept opaque).
#[derive(Debug)]
pub struct TestBox(Test);

impl Query {
    /// Checks and compiles a query; an unknown operator or a bad regular expression is an
    /// [`ErrorKind::Invalid`](crate::error::ErrorKind::Invalid) error naming it.
    pub fn parse(json: &Json) -> Result<Query> {
        let Json::Object(map) = json else {
            return Err(Error::invalid("a query is a JSON object"));
        };
        let mut parts = Vec::new();
        for (key, value) in map {
            parts.push(match key.as_str() {
                "$and" | "$or" => {
                    let Json::Array(items) = value else {
                        return Err(Error::invalid(format!("'{key}' takes a list of queries")));
                    };
                    let subs = items.iter().map(Query::parse).collect::<Result<Vec<_>>>()?;
                    if key == "$and" {
                        Query::And(subs)
                    } else {
                        Query::Or(subs)
                    }
                }
                "$not" => Query::Not(Box::new(Query::parse(value)?)),
                k if k.starts_with('$') => {
                    return Err(Error::invalid(format!("unknown query operator '{k}'")))
                }
                field => Query::Field(field.to_owned(), tests(field, value)?),
            });
        }
        Ok(Query::And(parts))
    }

    /// The attribute names the query tests (not `_type`, `_extensions`, `dn`).
    pub fn attributes(&self) -> Vec<&str> {
        match self {
            Query::And(parts) | Query::Or(parts) => {
                parts.iter().flat_map(Query::attributes).collect()
            }
            Query::Not(q) => q.attributes(),
            Query::Field(f, _) if matches!(f.as_str(), "_type" | "_extensions" | "dn") => {
                Vec::new()
            }
            Query::Field(f, _) => vec![f.as_str()],
        }
    }

    /// The literal lookups every match must pass: for each attribute (or `_type`,
    /// `_extensions`) tested by equality or `$in` in the query's top-level conjunction, the
    /// values one of which it must hold. An index may start from these; the query itself
    /// still decides.
    pub fn lookups(&self) -> Vec<(&str, Vec<&Json>)> {
        let mut out = Vec::new();
        if let Query::And(parts) = self {
            for part in parts {
                match part {
                    Query::And(_) => out.extend(part.lookups()),
                    Query::Field(field, tests) if field != "dn" => {
                        for TestBox(t) in tests {
                            match t {
                                Test::Equals(v) => out.push((field.as_str(), vec![v])),
                                Test::In(items) => {
                                    out.push((field.as_str(), items.iter().collect()))
                                }
                                _ => {}
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        out
    }

    /// Whether `c` matches.
    pub fn matches(&self, c: &Candidate<'_>) -> bool {
        match self {
            Query::And(parts) => parts.iter().all(|q| q.matches(c)),
            Query::Or(parts) => parts.iter().any(|q| q.matches(c)),
            Query::Not(q) => !q.matches(c),
            Query::Field(field, tests) => {
                let own;
                let values: &[Json] = match field.as_str() {
                    "_type" => {
                        own = vec![Json::String(c.object_type.to_owned())];
                        &own
                    }
                    "_extensions" => {
                        own = c.extensions.iter().cloned().map(Json::String).collect();
                        &own
                    }
                    "dn" => {
                        own = vec![Json::String(c.dn.to_owned())];
                        &own
                    }
                    name => c.attrs.get(name).map(Vec::as_slice).unwrap_or_default(),
                };
                tests
                    .iter()
                    .all(|TestBox(t)| values.iter().any(|v| passes(t, v)))
            }
        }
    }
}

fn tests(field: &str, value: &Json) -> Result<Vec<TestBox>> {
    let Json::Object(ops) = value else {
        return Ok(vec![TestBox(Test::Equals(value.clone()))]);
    };
    if !ops.keys().all(|k| k.starts_with('$')) {
        return Ok(vec![TestBox(Test::Equals(value.clone()))]);
    }
    let mut out = Vec::new();
    for (op, arg) in ops {
        out.push(TestBox(match op.as_str() {
            "$in" => match arg {
                Json::Array(items) => Test::In(items.clone()),
                _ => return Err(Error::invalid(format!("'{field}': '$in' takes a list"))),
            },
            "$regex" => {
                let pattern = arg
                    .as_str()
                    .ok_or_else(|| Error::invalid(format!("'{field}': '$regex' takes a text")))?;
                let re = regex::RegexBuilder::new(pattern)
                    .size_limit(1 << 20)
                    .build()
                    .map_err(|e| Error::invalid(format!("'{field}': bad '$regex': {e}")))?;
                Test::Regex(re)
            }
            "$gt" => Test::Greater(arg.clone()),
            "$lt" => Test::Less(arg.clone()),
            other => {
                return Err(Error::invalid(format!(
                    "'{field}': unknown operator '{other}' (allowed: $in, $regex, $gt, $lt)"
                )))
            }
        }));
    }
    Ok(out)
}

/// A value as the query compares it literally: text as is, numbers and truth values as JSON.
pub fn value_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn equal(a: &Json, b: &Json) -> bool {
    a == b || value_text(a) == value_text(b)
}

fn order(a: &Json, b: &Json) -> Option<std::cmp::Ordering> {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x.partial_cmp(&y),
        _ => Some(value_text(a).cmp(&value_text(b))),
    }
}

fn passes(test: &Test, v: &Json) -> bool {
    match test {
        Test::Equals(want) => equal(v, want),
        Test::In(items) => items.iter().any(|i| equal(v, i)),
        Test::Regex(re) => re.is_match(&value_text(v)),
        Test::Greater(limit) => order(v, limit) == Some(std::cmp::Ordering::Greater),
        Test::Less(limit) => order(v, limit) == Some(std::cmp::Ordering::Less),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user(sn: &str, uid: i64) -> BTreeMap<String, Vec<Json>> {
        BTreeMap::from([
            ("sn".to_owned(), vec![json!(sn)]),
            ("uidNumber".to_owned(), vec![json!(uid)]),
        ])
    }

    fn hit(q: Json, attrs: &BTreeMap<String, Vec<Json>>) -> bool {
        let query = Query::parse(&q).map_err(|e| e.to_string());
        let c = Candidate {
            object_type: "User",
            extensions: &[],
            dn: "uid=x",
            attrs,
        };
        query.is_ok_and(|q| q.matches(&c))
    }

    #[test]
    fn metacharacters_in_values_match_literally() {
        let a = user("Smith (IT)*", 1);
        assert!(hit(json!({"sn": "Smith (IT)*"}), &a));
        assert!(!hit(json!({"sn": "Smith (IT)*"}), &user("Smith (IT)x", 1)));
        assert!(!hit(json!({"sn": "*"}), &a));
    }

    #[test]
    fn operators_combine() {
        let a = user("Doe", 1500);
        assert!(hit(
            json!({"_type": "User", "uidNumber": {"$gt": 1000, "$lt": 2000}}),
            &a
        ));
        assert!(hit(
            json!({"$or": [{"sn": "X"}, {"sn": {"$in": ["Doe"]}}]}),
            &a
        ));
        assert!(hit(json!({"$not": {"sn": {"$regex": "^Sm"}}}), &a));
        assert!(!hit(
            json!({"$and": [{"sn": "Doe"}, {"_type": "Group"}]}),
            &a
        ));
    }

    #[test]
    fn a_query_names_the_attributes_it_tests() {
        let q =
            Query::parse(&json!({"_type": "User", "$or": [{"sn": "x"}, {"$not": {"uid": "y"}}]}));
        let mut names = q
            .map(|q| {
                q.attributes()
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        names.sort();
        assert_eq!(names, vec!["sn", "uid"]);
    }

    #[test]
    fn lookups_come_from_the_top_level_conjunction_only() {
        let q = Query::parse(&json!({
            "_type": "User",
            "uid": {"$in": ["a", "b"]},
            "$and": [{"sn": "Doe"}],
            "$or": [{"cn": "x"}, {"cn": "y"}],
            "$not": {"mail": "z"},
            "gecos": {"$regex": "^A"},
            "dn": "uid=a"
        }));
        let mut found: Vec<String> = q
            .map(|q| {
                q.lookups()
                    .iter()
                    .map(|(f, v)| format!("{f}={v:?}"))
                    .collect()
            })
            .unwrap_or_default();
        found.sort();
        assert_eq!(
            found,
            vec![
                "_type=[String(\"User\")]",
                "sn=[String(\"Doe\")]",
                "uid=[String(\"a\"), String(\"b\")]"
            ]
        );
    }

    #[test]
    fn unknown_operators_are_refused() {
        assert!(Query::parse(&json!({"$where": "1"})).is_err());
        assert!(Query::parse(&json!({"sn": {"$foo": 1}})).is_err());
        assert!(Query::parse(&json!({"sn": {"$regex": "("}})).is_err());
    }
}
