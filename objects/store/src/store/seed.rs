//! The base tree a node seeds on first start under `[objects] base`: the base object itself
//! (its type chosen by the base's first RDN: `dc` Domain, `o` Organization, `ou`
//! OrganizationalUnit, `c` Country, `l` Locality) and the `ou=people`, `ou=groups` and
//! `ou=devices` containers below it, each only when its type is defined and it is missing.
//! With a directory server, an entry of the tree that the directory has already (a
//! directory Clacks is pointed at) is registered as it is, not written.

use serde_json::{json, Map, Value as Json};

use super::{dn, rows, ObjectStore};
use crate::error::{Error, Result};

fn base_type(rdn_attribute: &str) -> Option<&'static str> {
    Some(match rdn_attribute.to_ascii_lowercase().as_str() {
        "dc" => "Domain",
        "o" => "Organization",
        "ou" => "OrganizationalUnit",
        "c" => "Country",
        "l" => "Locality",
        _ => return None,
    })
}

fn base_type_of(base: &str) -> String {
    let attribute = dn::rdn(base).split_once('=').map_or("", |(a, _)| a);
    base_type(attribute).unwrap_or_default().to_owned()
}

impl ObjectStore {
    /// Seeds the base tree; returns the DNs it created (none when all was there).
    pub fn seed(&self) -> Result<Vec<String>> {
        let mut created = Vec::new();
        let base = self.base.clone();
        let exists = |dn: &str| -> Result<bool> {
            let mut conn = self.pool.get()?;
            Ok(rows::object_by_dn(&mut conn, dn)?.is_some())
        };
        if !exists(&base)? && !self.adopt(&base, &base_type_of(&base))? {
            let rdn = dn::rdn(&base);
            let (attribute, value) = rdn
                .split_once('=')
                .ok_or_else(|| Error::invalid(format!("objects.base '{base}' is no DN")))?;
            let object_type = base_type(attribute)
                .filter(|t| self.catalog.object(t).is_some())
                .ok_or_else(|| {
                    Error::invalid(format!(
                        "objects.base '{base}': no defined type has the RDN attribute '{attribute}'"
                    ))
                })?;
            let mut attrs = Map::new();
            attrs.insert(
                attribute.to_owned(),
                Json::String(dn::unescape_value(value)),
            );
            attrs.insert("description".to_owned(), json!("Clacks base"));
            let object = self.create_below(object_type, dn::parent(&base), &attrs, &[])?;
            if !dn::same(&object.dn, &base) {
                return Err(Error::invalid(format!(
                    "objects.base '{base}' was seeded as '{}'",
                    object.dn
                )));
            }
            created.push(object.dn);
        }
        for container in ["PeopleContainer", "GroupContainer", "DeviceContainer"] {
            let Some(def) = self.catalog.object(container) else {
                continue;
            };
            let Some(fixed) = &def.fixed_rdn else {
                continue;
            };
            let dn = format!("{fixed},{base}");
            if !exists(&dn)? && !self.adopt(&dn, container)? {
                created.push(self.create_below(container, &base, &Map::new(), &[])?.dn);
            }
        }
        Ok(created)
    }
}
