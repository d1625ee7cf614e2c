//! Searching the index: the query's literal lookups (equality and `$in` in its top-level
//! conjunction) narrow the candidates through `clacks_index_values`; without any, the scope
//! does (`one`: the base's children; `base`: the base; `sub`: every row). The candidates
//! are sorted by DN (byte order, as the cursor compares), the scope and cursor applied, and
//! the query itself, with `visible` (the caller's right to see the object), decides each
//! one until the page is full.

use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};

use super::rows::{self, IndexRow, MAX_LOOKUP_TEXT};
use super::IndexedObject;
use crate::error::Result;
use crate::store::query::{value_text, Candidate, Query};
use crate::store::{dn, ObjectStore, Scope};

/// One page of index search results.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexPage {
    /// The objects, by DN.
    pub objects: Vec<IndexedObject>,
    /// Give it back as `cursor` for the next page; `None` on the last.
    pub cursor: Option<String>,
}

/// The UUIDs the lookups allow (`None`: no lookup applies). Lookups of `_type` are used only
/// when nothing narrower is there (every object has one).
fn narrowed(conn: &mut crate::sql::Db, query: &Query) -> Result<Option<BTreeSet<String>>> {
    let mut lookups: Vec<(&str, Vec<&Json>)> = query.lookups();
    // A literal longer than the lookup table keeps cannot be looked up; the query decides.
    lookups.retain(|(_, values)| {
        values
            .iter()
            .all(|v| value_text(v).len() <= MAX_LOOKUP_TEXT)
    });
    if lookups.iter().any(|(f, _)| *f != "_type") {
        lookups.retain(|(f, _)| *f != "_type");
    }
    let mut allowed: Option<BTreeSet<String>> = None;
    for (field, values) in lookups {
        let texts: Vec<String> = values.into_iter().map(value_text).collect();
        let found = rows::holders(conn, field, &texts)?;
        allowed = Some(match allowed {
            None => found,
            Some(before) => before.intersection(&found).cloned().collect(),
        });
        if allowed.as_ref().is_some_and(BTreeSet::is_empty) {
            break;
        }
    }
    Ok(allowed)
}

impl ObjectStore {
    /// The indexed objects in `scope` of `base` that match `query` and that `visible`
    /// allows, by DN, at most `limit` after `cursor` (the DN the previous page ended with).
    pub fn index_search(
        &self,
        base: &str,
        scope: Scope,
        query: &Query,
        limit: usize,
        cursor: Option<&str>,
        visible: impl Fn(&IndexedObject) -> bool,
    ) -> Result<IndexPage> {
        let mut candidates: Vec<IndexRow> = {
            let mut conn = self.pool().get()?;
            match narrowed(&mut conn, query)? {
                Some(uuids) => {
                    let uuids: Vec<String> = uuids.into_iter().collect();
                    rows::by_uuids(&mut conn, &uuids)?
                }
                None => match scope {
                    Scope::Base => rows::by_dn(&mut conn, base)?.into_iter().collect(),
                    Scope::One => rows::children(&mut conn, base)?,
                    Scope::Sub => rows::all(&mut conn)?,
                },
            }
        };
        candidates.retain(|row| {
            let in_scope = match scope {
                Scope::Base => dn::same(&row.dn, base),
                Scope::One => dn::same(&row.parent, base),
                Scope::Sub => dn::in_subtree(&row.dn, base),
            };
            in_scope && cursor.is_none_or(|c| row.dn.as_str() > c)
        });
        candidates.sort_by(|a, b| a.dn.cmp(&b.dn));
        let mut objects = Vec::new();
        let mut more = false;
        for row in candidates {
            let object = IndexedObject::from_row(row);
            let attrs: &BTreeMap<String, Vec<Json>> = &object.attrs;
            let candidate = Candidate {
                object_type: &object.object_type,
                extensions: &object.extensions,
                dn: &object.dn,
                attrs,
            };
            if !query.matches(&candidate) || !visible(&object) {
                continue;
            }
            if objects.len() == limit {
                more = true;
                break;
            }
            objects.push(object);
        }
        let cursor = match (more, objects.last()) {
            (true, Some(last)) => Some(last.dn.clone()),
            _ => None,
        };
        Ok(IndexPage { objects, cursor })
    }
}
