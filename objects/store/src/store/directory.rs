//! [`StoreDirectory`]: the model's [`Directory`] lookups (does a DN exist, is a value taken,
//! the next ID of a pool) answered from the store, each on a connection of its own. A
//! lookup the store cannot answer counts as "no" (and is logged); an ID pool that cannot be
//! read is an error the filter reports. With a directory server, a value is also looked up
//! there (its holders found by an escaped equality filter below the base).

use clacks_objects::definition::Catalog;
use clacks_objects::directory::Directory;
use diesel::prelude::*;
use serde_json::Value as Json;
use std::sync::Arc;

use super::rows;
use crate::ldap::LdapDirectory;
use crate::sql::schema::clacks_ids;
use crate::sql::Pool;

/// The first number of an ID pool that has never given one out.
pub const FIRST_ID: i64 = 1000;

/// The model's lookups on one store.
#[derive(Clone)]
pub struct StoreDirectory {
    pool: Pool,
    catalog: Arc<Catalog>,
    ldap: Option<(LdapDirectory, String)>,
}

impl StoreDirectory {
    /// Lookups on `pool`.
    pub fn new(pool: Pool, catalog: Arc<Catalog>) -> Self {
        StoreDirectory {
            pool,
            catalog,
            ldap: None,
        }
    }

    /// The same lookups, also asking the directory server `ldap` below `base`.
    pub fn with_ldap(mut self, ldap: LdapDirectory, base: &str) -> Self {
        self.ldap = Some((ldap, base.to_owned()));
        self
    }

    fn row_by_dn(&self, dn: &str) -> Option<rows::ObjectRow> {
        let found = self
            .pool
            .get()
            .and_then(|mut conn| rows::object_by_dn(&mut conn, dn));
        found.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "directory lookup failed");
            None
        })
    }

    fn is_of_type(&self, row: &rows::ObjectRow, object_type: &str) -> bool {
        row.object_type == object_type || row.extension_list().iter().any(|e| e == object_type)
    }
}

impl Directory for StoreDirectory {
    fn dn_exists(&self, dn: &str) -> bool {
        self.row_by_dn(dn).is_some()
    }

    fn dn_exists_of_type(&self, dn: &str, object_type: &str) -> bool {
        self.row_by_dn(dn)
            .is_some_and(|row| self.is_of_type(&row, object_type))
    }

    fn object_with_property_exists(&self, object_type: &str, attribute: &str, value: &str) -> bool {
        if attribute == "dn" {
            return self.dn_exists_of_type(value, object_type);
        }
        let lookup = || -> crate::Result<bool> {
            let mut conn = self.pool.get()?;
            let mut uuids = rows::value_exists(&mut conn, attribute, &Json::String(value.into()))?;
            if let Ok(n) = value.parse::<i64>() {
                uuids.extend(rows::value_exists(&mut conn, attribute, &Json::from(n))?);
            }
            let mut found: Vec<rows::ObjectRow> = Vec::new();
            for uuid in uuids {
                found.extend(rows::object_by_uuid(&mut conn, &uuid)?);
            }
            if let Some((ldap, base)) = &self.ldap {
                for dn in ldap.holders(base, attribute, value.as_bytes())? {
                    found.extend(rows::object_by_dn(&mut conn, &dn)?);
                }
            }
            Ok(found.iter().any(|row| self.is_of_type(row, object_type)))
        };
        lookup().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "directory lookup failed");
            false
        })
    }

    fn next_id(&self, pool: &str) -> Result<i64, String> {
        let mut conn = self.pool.get().map_err(|e| e.to_string())?;
        conn.transaction(|conn| {
            let next: Option<i64> = clacks_ids::table
                .filter(clacks_ids::pool.eq(pool))
                .select(clacks_ids::next_id)
                .first(conn)
                .optional()?;
            let id = next.unwrap_or(FIRST_ID);
            if next.is_some() {
                diesel::update(clacks_ids::table.filter(clacks_ids::pool.eq(pool)))
                    .set(clacks_ids::next_id.eq(id + 1))
                    .execute(conn)?;
            } else {
                diesel::insert_into(clacks_ids::table)
                    .values((clacks_ids::pool.eq(pool), clacks_ids::next_id.eq(id + 1)))
                    .execute(conn)?;
            }
            Ok::<i64, diesel::result::Error>(id)
        })
        .map_err(|e| format!("ID pool '{pool}': {e}"))
    }

    fn acl_role_names(&self) -> Vec<String> {
        let names = || -> crate::Result<Vec<String>> {
            let mut conn = self.pool.get()?;
            let mut out = Vec::new();
            for row in rows::all_objects(&mut conn)? {
                if row.object_type != "AclRole" || self.catalog.object("AclRole").is_none() {
                    continue;
                }
                let values = rows::values(&mut conn, &row.uuid)?;
                for store in values.values() {
                    for v in store.get("name").into_iter().flatten() {
                        if let Some(s) = v.as_str() {
                            out.push(s.to_owned());
                        }
                    }
                }
            }
            Ok(out)
        };
        names().unwrap_or_default()
    }
}
