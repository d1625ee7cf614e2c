//! Reading a command's arguments from JSON-RPC params, by position or by name. The `#[plugin]`
//! macro generates calls into [`ArgReader`] so that every command reports wrong counts, unknown
//! names and wrong types the same way (-32602 with `data.detail` naming the argument).

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::call::{CallError, Params};

/// Checked access to the arguments of one call.
pub struct ArgReader<'a> {
    method: &'static str,
    params: &'a Params,
    names: &'static [&'static str],
}

impl<'a> ArgReader<'a> {
    /// Checks the argument count (positional) or names (named) against the signature.
    pub fn new(
        method: &'static str,
        params: &'a Params,
        names: &'static [&'static str],
    ) -> Result<Self, CallError> {
        match params {
            Params::Positional(items) if items.len() > names.len() => {
                return Err(CallError::invalid_params(format!(
                    "{method} takes at most {} argument(s) ({}), got {}",
                    names.len(),
                    names.join(", "),
                    items.len()
                )));
            }
            Params::Named(map) => {
                if let Some(unknown) = map.keys().find(|k| !names.contains(&k.as_str())) {
                    return Err(CallError::invalid_params(format!(
                        "{method} has no argument '{unknown}' (arguments: {})",
                        if names.is_empty() {
                            "none".to_owned()
                        } else {
                            names.join(", ")
                        }
                    )));
                }
            }
            Params::Positional(_) => {}
        }
        Ok(ArgReader {
            method,
            params,
            names,
        })
    }

    fn raw(&self, index: usize) -> Option<&'a Value> {
        match self.params {
            Params::Positional(items) => items.get(index),
            Params::Named(map) => self.names.get(index).and_then(|name| map.get(*name)),
        }
    }

    /// The argument at `index` if given, converted to `T`.
    pub fn get<T: DeserializeOwned>(&self, index: usize) -> Result<Option<T>, CallError> {
        match self.raw(index) {
            None => Ok(None),
            Some(value) => T::deserialize(value).map(Some).map_err(|err| {
                CallError::invalid_params(format!(
                    "{}: argument '{}': {err}",
                    self.method,
                    self.names.get(index).copied().unwrap_or("?")
                ))
                .with("argument", self.names.get(index).copied().unwrap_or("?"))
            }),
        }
    }

    /// The argument at `index`, which the call must give.
    pub fn require<T: DeserializeOwned>(&self, index: usize) -> Result<T, CallError> {
        self.get(index)?.ok_or_else(|| {
            let name = self.names.get(index).copied().unwrap_or("?");
            CallError::invalid_params(format!("{}: missing argument '{name}'", self.method))
                .with("argument", name)
        })
    }
}

/// Turns a handler's return value into the call's result (used by generated code).
pub fn to_result<T: serde::Serialize>(method: &str, value: T) -> Result<Value, CallError> {
    serde_json::to_value(value)
        .map_err(|err| CallError::internal(format!("{method}: result is not JSON: {err}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NAMES: &[&str] = &["a", "b"];

    #[test]
    fn reads_by_position_and_by_name() {
        let p = Params::Positional(vec![json!(1), json!("x")]);
        let r = ArgReader::new("t.m", &p, NAMES).unwrap();
        assert_eq!(r.require::<u32>(0).unwrap(), 1);
        assert_eq!(r.require::<String>(1).unwrap(), "x");
        let p = Params::Named(json!({"b": "y"}).as_object().unwrap().clone());
        let r = ArgReader::new("t.m", &p, NAMES).unwrap();
        assert_eq!(r.get::<u32>(0).unwrap(), None);
        assert_eq!(r.require::<String>(1).unwrap(), "y");
    }

    #[test]
    fn too_many_unknown_missing_and_mistyped_are_invalid_params() {
        let p = Params::Positional(vec![json!(1), json!(2), json!(3)]);
        assert_eq!(
            ArgReader::new("t.m", &p, NAMES).err().unwrap().code(),
            -32602
        );
        let p = Params::Named(json!({"c": 1}).as_object().unwrap().clone());
        let err = ArgReader::new("t.m", &p, NAMES).err().unwrap();
        assert!(err.message().contains("'c'"), "{err}");
        let p = Params::Positional(vec![json!("nope")]);
        let r = ArgReader::new("t.m", &p, NAMES).unwrap();
        let err = r.require::<u32>(0).unwrap_err();
        assert!(err.message().contains("argument 'a'"), "{err}");
        let err = r.require::<u32>(1).unwrap_err();
        assert!(err.message().contains("missing argument 'b'"), "{err}");
    }
}
