//! Calling a definition's method (`objects.call`): the command to run and its arguments,
//! filled from the call's parameters, the object's values and its DN, as the original's
//! generated methods did.

use super::instance::ObjectInstance;
use crate::error::{Error, ErrorKind, Result, Rule};
use crate::types::AttrType;
use crate::value::Value;
use std::collections::BTreeMap;

/// A command with its arguments, ready for the command registry.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandCall {
    /// The command.
    pub command: String,
    /// Its arguments, in `CommandParameters` order.
    pub args: Vec<Value>,
}

impl<'c> ObjectInstance<'c> {
    /// The command call of method `name` with `params` (by parameter name): each parameter
    /// is converted to its type; a missing one takes its default, and a required one without
    /// a default refuses the call.
    pub fn method_call(&self, name: &str, params: &BTreeMap<String, Value>) -> Result<CommandCall> {
        let object_type = self.object_type()?;
        let method = object_type
            .parts()
            .into_iter()
            .flat_map(|p| p.methods.iter())
            .find(|m| m.name == name)
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Unknown,
                    format!("'{}' has no method '{name}'", self.base),
                )
            })?;
        let mut given: BTreeMap<&str, Value> = BTreeMap::new();
        for p in &method.params {
            let value = match (params.get(&p.name), &p.default) {
                (Some(v), _) if p.param_type.accepts(v) => v.clone(),
                (Some(v), _) => p
                    .param_type
                    .parse(&v.to_text())
                    .map_err(|e| Error::refused(&p.name, Rule::WrongType, e))?,
                (None, Some(d)) => p
                    .param_type
                    .parse(d)
                    .map_err(|e| Error::refused(&p.name, Rule::WrongType, e))?,
                (None, None) if p.required => {
                    return Err(Error::refused(
                        &p.name,
                        Rule::Mandatory,
                        format!("method '{name}' needs this parameter"),
                    ))
                }
                (None, None) => AttrType::convert(&[Value::text("")], p.param_type)
                    .ok()
                    .and_then(|v| v.into_iter().next())
                    .unwrap_or(Value::text("")),
            };
            given.insert(&p.name, value);
        }
        let args = method
            .command_params
            .iter()
            .map(|c| {
                if let Some(v) = given.get(c.as_str()) {
                    v.clone()
                } else if c == "dn" {
                    Value::text(self.dn().unwrap_or_default())
                } else {
                    self.values(c).first().cloned().unwrap_or(Value::text(""))
                }
            })
            .collect();
        Ok(CommandCall {
            command: method.command.clone(),
            args,
        })
    }
}
