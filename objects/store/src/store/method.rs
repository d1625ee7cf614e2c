//! `objects.call`: a definition's method (`<Methods>`) on one object, turned into the command
//! call it describes. [`MethodCall`] carries the command, its arguments (method parameters by
//! name, converted to their types, defaults filled in; attribute values and the object's `dn`
//! where `CommandParameters` name them) and the attributes whose values it passes, so the
//! caller's right to read them can be checked before anything runs.

use ::clacks_objects::model::CommandCall;
use ::clacks_objects::value::Value;
use serde_json::{Map, Value as Json};
use std::collections::BTreeMap;

use super::{ObjectStore, StoredObject};
use crate::error::{Error, Result};

/// A method call, ready to dispatch.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodCall {
    /// The object it runs on.
    pub object: StoredObject,
    /// The command and its arguments.
    pub call: CommandCall,
    /// The object's attributes whose values are arguments.
    pub reads: Vec<String>,
}

impl MethodCall {
    /// The arguments as JSON, in `CommandParameters` order.
    pub fn args_json(&self) -> Vec<Json> {
        self.call.args.iter().map(Value::to_json).collect()
    }
}

fn value_of(json: &Json) -> Value {
    match json {
        Json::String(s) => Value::Text(s.clone()),
        Json::Bool(b) => Value::Boolean(*b),
        Json::Number(n) => n
            .as_i64()
            .map_or_else(|| Value::Json(json.clone()), Value::Integer),
        other => Value::Json(other.clone()),
    }
}

impl ObjectStore {
    /// The command call of method `method` on `reference` with `args` (parameters by name).
    /// An object type without that method, an unknown parameter, a missing required one or
    /// a value of the wrong type is refused, naming it.
    pub fn method_call(
        &self,
        reference: &str,
        method: &str,
        args: &Map<String, Json>,
    ) -> Result<MethodCall> {
        let loaded = {
            let mut conn = self.pool().get()?;
            let row = self.find_row(&mut conn, reference)?;
            self.load_rows(&mut conn, row)?
        };
        let instance = self.instance(&loaded)?;
        let object_type = instance.object_type()?;
        let def = object_type
            .parts()
            .into_iter()
            .flat_map(|p| p.methods.iter())
            .find(|m| m.name == method);
        if let Some(def) = def {
            if let Some(unknown) = args
                .keys()
                .find(|k| !def.params.iter().any(|p| &p.name == *k))
            {
                let known: Vec<&str> = def.params.iter().map(|p| p.name.as_str()).collect();
                return Err(Error::invalid(format!(
                    "method '{method}' of '{}' has no parameter '{unknown}' (it takes: {})",
                    instance.base(),
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                )));
            }
        }
        let params: BTreeMap<String, Value> =
            args.iter().map(|(k, v)| (k.clone(), value_of(v))).collect();
        let call = instance.method_call(method, &params)?;
        let reads = def
            .map(|d| {
                d.command_params
                    .iter()
                    .filter(|c| !d.params.iter().any(|p| &&p.name == c))
                    .filter(|c| object_type.slot(c).is_some())
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        let object = self.stored_object(&loaded)?;
        Ok(MethodCall {
            object,
            call,
            reads,
        })
    }
}
