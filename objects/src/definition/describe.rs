//! The catalog as JSON (`clacks objects check --json`, and later `objects.types` replies):
//! every object with its backend settings, extensions and attributes — types, flags,
//! defaults, allowed values, dependencies, and validators and filters by name and parameters.

use super::{AllowedValues, AttributeDef, Catalog, ObjectDef};
use crate::conditions::ConditionExpr;
use crate::filters::{FilterChain, FilterEntry};
use crate::value::Value;
use serde_json::{json, Value as Json};

fn condition(c: &ConditionExpr) -> Json {
    match c {
        ConditionExpr::Call(call) => {
            json!({"condition": call.kind().name(), "params": call.params()})
        }
        ConditionExpr::And(l, r) => json!({"and": [condition(l), condition(r)]}),
        ConditionExpr::Or(l, r) => json!({"or": [condition(l), condition(r)]}),
    }
}

fn chain(c: &FilterChain) -> Json {
    let entries: Vec<Json> = c
        .entries
        .iter()
        .map(|e| match e {
            FilterEntry::Filter(f) => json!({"filter": f.kind().name(), "params": f.params()}),
            FilterEntry::Choice(whens) => {
                let whens: Vec<Json> = whens
                    .iter()
                    .map(|w| {
                        json!({
                            "when": condition(&w.condition),
                            "then": w.then.iter().map(chain).collect::<Vec<_>>(),
                            "else": w.otherwise.iter().map(chain).collect::<Vec<_>>(),
                        })
                    })
                    .collect();
                json!({"choice": whens})
            }
        })
        .collect();
    Json::Array(entries)
}

fn values(v: &AllowedValues) -> Json {
    match v {
        AllowedValues::Any => Json::Null,
        AllowedValues::List(l) => Json::Array(l.iter().map(Value::to_json).collect()),
        AllowedValues::Keyed(k) => Json::Object(
            k.iter()
                .map(|(key, label)| (key.to_text(), Json::String(label.clone())))
                .collect(),
        ),
        AllowedValues::Populate(cmd) => json!({"populate": cmd}),
    }
}

fn attribute(a: &AttributeDef, owner: &str) -> Json {
    json!({
        "name": a.name,
        "owner": owner,
        "line": a.line,
        "description": a.description,
        "type": a.attr_type.name(),
        "backend_type": a.backend_type.name(),
        "backend": a.backend.name(),
        "multivalue": a.multivalue,
        "mandatory": a.mandatory,
        "readonly": a.readonly,
        "unique": a.unique,
        "case_sensitive": a.case_sensitive,
        "default": a.default.as_ref().map(Value::to_json),
        "values": values(&a.values),
        "depends_on": a.depends_on,
        "blocked_by": a.blocked_by.iter().map(|b| json!({"attribute": b.attribute, "value": b.value})).collect::<Vec<_>>(),
        "validator": a.validator.as_ref().map(condition),
        "in_filter": a.in_filter.iter().map(chain).collect::<Vec<_>>(),
        "out_filter": a.out_filter.iter().map(chain).collect::<Vec<_>>(),
        "references": a.references.iter().map(|(o, at)| json!({"object": o, "attribute": at})).collect::<Vec<_>>(),
    })
}

fn object(catalog: &Catalog, o: &ObjectDef) -> Json {
    let mut attributes: Vec<Json> = o.attributes.iter().map(|a| attribute(a, &o.name)).collect();
    for (name, _) in &o.foreign {
        if let Some((owner, a)) = catalog.attribute_def(o, name) {
            attributes.push(attribute(a, &owner.name));
        }
    }
    let params: serde_json::Map<String, Json> = o
        .backend_params
        .iter()
        .map(|(b, p)| (b.name().to_string(), json!(p)))
        .collect();
    json!({
        "name": o.name,
        "file": o.origin.file,
        "line": o.origin.line,
        "description": o.description,
        "display_name": o.display_name,
        "base_object": o.base_object,
        "backend": o.backend.name(),
        "backend_parameters": params,
        "extends": o.extends,
        "extensions": catalog.extensions_of(&o.name).iter().map(|e| e.name.clone()).collect::<Vec<_>>(),
        "requires": o.requires,
        "container": o.container,
        "fixed_rdn": o.fixed_rdn,
        "structural_invisible": o.structural_invisible,
        "templates": o.templates,
        "attributes": attributes,
        "methods": o.methods.iter().map(|m| json!({
            "name": m.name,
            "command": m.command,
            "command_parameters": m.command_params,
            "parameters": m.params.iter().map(|p| json!({
                "name": p.name, "type": p.param_type.name(), "required": p.required, "default": p.default,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "hooks": o.hooks.iter().map(|h| json!({
            "type": format!("{:?}", h.hook_type), "command": h.command, "command_parameters": h.command_params,
        })).collect::<Vec<_>>(),
    })
}

/// The whole catalog as JSON: `files`, `objects` (by name) and `notes`.
pub fn describe(catalog: &Catalog) -> Json {
    json!({
        "files": catalog.files(),
        "objects": catalog.objects().map(|o| object(catalog, o)).collect::<Vec<_>>(),
        "notes": catalog.notes(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_attributes_with_their_filters_and_validators() {
        let xml = "<Objects xmlns=\"http://www.gonicus.de/Objects\"><Object><Name>T</Name><Description>d</Description><Backend>LDAP</Backend><BaseObject>true</BaseObject>\
            <Attributes><Attribute><Name>a</Name><Type>String</Type><Validators><Condition><Name>RegEx</Name><Param>^x</Param></Condition></Validators>\
            <OutFilter><FilterChain><FilterEntry><Filter><Name>ConcatString</Name><Param>y</Param><Param>left</Param></Filter></FilterEntry></FilterChain></OutFilter>\
            </Attribute></Attributes></Object></Objects>";
        let catalog = Catalog::from_sources(&[("t.xml".to_string(), xml.to_string())]);
        let j = catalog.map(|c| describe(&c)).unwrap_or_default();
        let a = &j["objects"][0]["attributes"][0];
        assert_eq!(a["name"], "a");
        assert_eq!(
            a["validator"],
            json!({"condition": "RegEx", "params": ["^x"]})
        );
        assert_eq!(
            a["out_filter"],
            json!([[{"filter": "ConcatString", "params": ["y", "left"]}]])
        );
        assert_eq!(j["files"], json!(["t.xml"]));
    }
}
