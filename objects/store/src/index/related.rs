//! Which objects a write may have changed through an ObjectHandler relation, found by the
//! index: the index's part of keeping related objects current (the relations themselves are
//! [`crate::store::relation`]'s).

use std::collections::BTreeSet;

use super::rows as index_rows;
use super::IndexedObject;
use crate::error::Result;
use crate::sql::Db;
use crate::store::query::value_text;
use crate::store::relation::relations;
use crate::store::StoredObject;
use clacks_objects::definition::Catalog;

/// The objects whose view `object`'s write may have changed, by the index (`before`: its
/// index rows before the write): for a relation's owner, the foreign objects it named or
/// that held its match value; for a foreign object, the owners whose match value it held.
pub fn related(
    conn: &mut Db,
    catalog: &Catalog,
    object: &StoredObject,
    before: Option<&IndexedObject>,
) -> Result<BTreeSet<String>> {
    let rels = relations(catalog);
    if rels.is_empty() {
        return Ok(BTreeSet::new());
    }
    let texts = |name: &str| -> Vec<String> {
        let now = object
            .attrs
            .get(name)
            .into_iter()
            .flatten()
            .map(|v| value_text(&v.to_json()));
        let old = before
            .and_then(|b| b.attrs.get(name))
            .into_iter()
            .flatten()
            .map(value_text);
        let mut all: Vec<String> = now.chain(old).collect();
        all.sort();
        all.dedup();
        all.retain(|t| t.len() <= index_rows::MAX_LOOKUP_TEXT);
        all
    };
    let parts: BTreeSet<&str> = std::iter::once(object.object_type.as_str())
        .chain(object.extensions.iter().map(String::as_str))
        .chain(
            before
                .into_iter()
                .flat_map(|b| b.extensions.iter().map(String::as_str)),
        )
        .collect();
    let mut out = BTreeSet::new();
    for r in &rels {
        if parts.contains(r.owner.as_str()) {
            let named = index_rows::holders(conn, &r.foreign_attr, &texts(&r.attribute))?;
            let holding = index_rows::holders(conn, &r.foreign_match, &texts(&r.match_attr))?;
            let typed = index_rows::holders(conn, "_type", std::slice::from_ref(&r.foreign))?;
            out.extend(
                named
                    .union(&holding)
                    .filter(|u| typed.contains(*u))
                    .cloned(),
            );
        }
        if object.object_type == r.foreign {
            let owners = index_rows::holders(conn, &r.match_attr, &texts(&r.foreign_match))?;
            let mut typed =
                index_rows::holders(conn, "_extensions", std::slice::from_ref(&r.owner))?;
            typed.extend(index_rows::holders(
                conn,
                "_type",
                std::slice::from_ref(&r.owner),
            )?);
            out.extend(owners.intersection(&typed).cloned());
        }
    }
    out.remove(&object.uuid);
    Ok(out)
}
