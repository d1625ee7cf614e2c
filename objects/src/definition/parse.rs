//! Reading one definition file: XML text → [`ObjectDef`]s. The file is parsed with
//! clacks-xml (quick-xml underneath, keeping every element's line), checked against the
//! [`DefinitionSchema`], then read element by element (validators and filter chains by
//! `chains`). Names the schema cannot judge — types, backends, filters, conditions — are
//! looked up as they are read; every fault found is collected with its line (`faults`), so
//! one run reports all of a file's faults (the schema check stops at the first).

use super::chains;
use super::elements::{flag, kid, kid_text, kids, list, trimmed};
use super::faults::Faults;
use super::{
    AllowedValues, AttributeDef, Backend, BlockedBy, DefinitionSchema, FindAspect, HookDef,
    HookType, MethodDef, MethodParam, ObjectDef, Origin,
};
use crate::error::{Error, ErrorKind};
use crate::types::AttrType;
use clacks_xml::document::Element;
use clacks_xml::Document;
use std::collections::BTreeMap;

/// Reads the definitions in `text` (from `file`, for messages). All faults are returned,
/// each located.
pub fn parse_definitions(
    text: &str,
    file: &str,
    schema: &DefinitionSchema,
) -> Result<Vec<ObjectDef>, Vec<Error>> {
    let doc = Document::parse(text).map_err(|e| {
        vec![Error::new(ErrorKind::Schema, e.message().to_string())
            .at(e.line())
            .in_file(file)]
    })?;
    schema.validate(&doc).map_err(|e| vec![e.in_file(file)])?;
    let mut reader = Reader {
        faults: Faults::new(file),
    };
    let objects: Vec<ObjectDef> = kids(doc.root(), "Object")
        .map(|o| reader.object(o))
        .collect();
    if reader.faults.errors.is_empty() {
        Ok(objects)
    } else {
        Err(reader.faults.errors)
    }
}

struct Reader {
    faults: Faults,
}

impl Reader {
    fn object(&mut self, el: Element<'_>) -> ObjectDef {
        let name = kid_text(el, "Name").unwrap_or_default();
        let backend = match kid(el, "Backend") {
            Some(b) => self.faults.backend(&trimmed(b), b.line()),
            None => Backend::Null,
        };
        let mut backend_params = BTreeMap::new();
        if let Some(params) = kid(el, "BackendParameters") {
            for b in kids(params, "Backend") {
                let which = self.faults.backend(&trimmed(b), b.line());
                let settings: BTreeMap<String, String> = b
                    .attributes()
                    .map(|a| (a.local_name().to_string(), a.value().to_string()))
                    .collect();
                backend_params.insert(which, settings);
            }
        }
        let mut attributes = Vec::new();
        let mut foreign = Vec::new();
        if let Some(attrs) = kid(el, "Attributes") {
            for a in attrs.child_elements() {
                match a.local_name() {
                    "Attribute" => attributes.push(self.attribute(a, backend)),
                    _ => foreign.push((
                        kid_text(a, "Name").unwrap_or_default(),
                        Origin {
                            file: self.faults.file.clone(),
                            line: a.line(),
                        },
                    )),
                }
            }
        }
        ObjectDef {
            origin: Origin {
                file: self.faults.file.clone(),
                line: el.line(),
            },
            description: kid_text(el, "Description").unwrap_or_default(),
            display_name: kid_text(el, "DisplayName"),
            base_object: flag(el, "BaseObject"),
            backend,
            backend_params,
            attributes,
            foreign,
            extends: list(el, "Extends", "Value"),
            requires: list(el, "RequiresExtension", "Extension"),
            container: list(el, "Container", "Type"),
            fixed_rdn: kid_text(el, "FixedRDN"),
            structural_invisible: flag(el, "StructuralInvisible"),
            templates: list(el, "Templates", "Template"),
            dialogs: list(el, "Dialogs", "Dialog"),
            methods: kid(el, "Methods")
                .map(|m| kids(m, "Method").map(|m| self.method(m)).collect())
                .unwrap_or_default(),
            hooks: kid(el, "Hooks")
                .map(|h| kids(h, "Hook").map(|h| self.hook(h)).collect())
                .unwrap_or_default(),
            find: kid(el, "Find")
                .map(|f| kids(f, "Aspect").map(aspect).collect())
                .unwrap_or_default(),
            name,
        }
    }

    fn attribute(&mut self, el: Element<'_>, object_backend: Backend) -> AttributeDef {
        let name = kid_text(el, "Name").unwrap_or_default();
        let attr_type = match kid(el, "Type") {
            Some(t) => self.faults.attr_type(t),
            None => AttrType::AnyType,
        };
        let backend_type = match kid(el, "BackendType") {
            Some(t) => self.faults.attr_type(t),
            None => attr_type,
        };
        let backend = match kid(el, "Backend") {
            Some(b) => self.faults.backend(&trimmed(b), b.line()),
            None => object_backend,
        };
        let default = kid(el, "Default").and_then(|d| {
            let text = d.text().to_string();
            match attr_type.parse(&text) {
                Ok(v) => Some(v),
                Err(e) => {
                    self.faults.fail(
                        ErrorKind::Definition,
                        d.line(),
                        format!("attribute '{name}': default: {e}"),
                    );
                    None
                }
            }
        });
        let values =
            kid(el, "Values").map_or(AllowedValues::Any, |v| self.values(v, attr_type, &name));
        let blocked_by = kid(el, "BlockedBy")
            .map(|b| {
                kids(b, "Attribute")
                    .map(|a| {
                        let value = a.attribute("", "value").unwrap_or_default().to_string();
                        BlockedBy {
                            attribute: trimmed(a),
                            value,
                            line: a.line(),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        let validator =
            kid(el, "Validators").and_then(|v| chains::condition_chain(v, &mut self.faults));
        let in_filter = kid(el, "InFilter")
            .map(|f| {
                kids(f, "FilterChain")
                    .map(|c| chains::filter_chain(c, &mut self.faults))
                    .collect()
            })
            .unwrap_or_default();
        let out_filter = kid(el, "OutFilter")
            .map(|f| {
                kids(f, "FilterChain")
                    .map(|c| chains::filter_chain(c, &mut self.faults))
                    .collect()
            })
            .unwrap_or_default();
        let references = kid(el, "References")
            .map(|r| {
                kids(r, "Reference")
                    .map(|r| {
                        (
                            kid_text(r, "Object").unwrap_or_default(),
                            kid_text(r, "Attribute").unwrap_or_default(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        AttributeDef {
            line: el.line(),
            description: kid_text(el, "Description").unwrap_or_default(),
            attr_type,
            backend_type,
            backend,
            multivalue: flag(el, "MultiValue"),
            mandatory: flag(el, "Mandatory"),
            readonly: flag(el, "ReadOnly"),
            unique: flag(el, "Unique"),
            case_sensitive: flag(el, "CaseSensitive"),
            default,
            values,
            depends_on: list(el, "DependsOn", "Attribute"),
            blocked_by,
            validator,
            in_filter,
            out_filter,
            references,
            name,
        }
    }

    fn values(&mut self, el: Element<'_>, attr_type: AttrType, name: &str) -> AllowedValues {
        if let Some(command) = el.attribute("", "populate") {
            return AllowedValues::Populate(command.to_string());
        }
        let mut plain = Vec::new();
        let mut keyed = Vec::new();
        for v in kids(el, "Value") {
            let label = v.text().to_string();
            let (text, is_keyed) = match v.attribute("", "key") {
                Some(k) => (k.to_string(), true),
                None => (label.clone(), false),
            };
            match attr_type.parse(&text) {
                Ok(value) if is_keyed => keyed.push((value, label)),
                Ok(value) => plain.push(value),
                Err(e) => self.faults.fail(
                    ErrorKind::Definition,
                    v.line(),
                    format!("attribute '{name}': allowed value: {e}"),
                ),
            }
        }
        if !keyed.is_empty() {
            AllowedValues::Keyed(keyed)
        } else if !plain.is_empty() {
            AllowedValues::List(plain)
        } else {
            AllowedValues::Any
        }
    }

    fn method(&mut self, el: Element<'_>) -> MethodDef {
        let params = kid(el, "MethodParameters")
            .map(|ps| {
                kids(ps, "MethodParameter")
                    .map(|p| MethodParam {
                        name: kid_text(p, "Name").unwrap_or_default(),
                        param_type: match kid(p, "Type") {
                            Some(t) => self.faults.attr_type(t),
                            None => AttrType::AnyType,
                        },
                        required: flag(p, "Required"),
                        default: kid_text(p, "Default").filter(|d| !d.is_empty()),
                    })
                    .collect()
            })
            .unwrap_or_default();
        MethodDef {
            name: kid_text(el, "Name").unwrap_or_default(),
            line: el.line(),
            params,
            command: kid_text(el, "Command").unwrap_or_default(),
            command_params: list(el, "CommandParameters", "Value"),
        }
    }

    fn hook(&mut self, el: Element<'_>) -> HookDef {
        let type_name = kid_text(el, "Type").unwrap_or_default();
        let hook_type = HookType::from_name(&type_name).unwrap_or_else(|| {
            self.faults.fail(
                ErrorKind::Unknown,
                el.line(),
                format!("unknown hook type '{type_name}'"),
            );
            HookType::PostUpdate
        });
        HookDef {
            hook_type,
            line: el.line(),
            command: kid_text(el, "Command").unwrap_or_default(),
            command_params: list(el, "CommandParameters", "Value"),
        }
    }
}

fn aspect(el: Element<'_>) -> FindAspect {
    FindAspect {
        tag: kid_text(el, "Tag").unwrap_or_default(),
        keywords: kids(el, "Keyword").map(trimmed).collect(),
        search: kids(el, "Search").map(trimmed).collect(),
        resolve: kids(el, "Resolve").map(trimmed).collect(),
        result: kids(el, "Result")
            .flat_map(|r| kids(r, "Map").collect::<Vec<_>>())
            .map(|m| {
                (
                    kid_text(m, "Source").unwrap_or_default(),
                    kid_text(m, "Destination").unwrap_or_default(),
                )
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conditions::ConditionExpr;

    fn parse(body: &str) -> Result<Vec<ObjectDef>, Vec<Error>> {
        let text = format!(
            "<Objects xmlns=\"http://www.gonicus.de/Objects\">\n<Object>\n<Name>Thing</Name>\n<Description>d</Description>\n<Backend>LDAP</Backend>\n<BaseObject>true</BaseObject>\n{body}</Object>\n</Objects>\n"
        );
        let schema = DefinitionSchema::load().map_err(|e| vec![e])?;
        parse_definitions(&text, "thing.xml", &schema)
    }

    fn attribute(inner: &str) -> String {
        format!("<Attributes>\n<Attribute>\n<Name>a</Name>\n<Type>String</Type>\n{inner}</Attribute>\n</Attributes>\n")
    }

    fn messages(r: Result<Vec<ObjectDef>, Vec<Error>>) -> Vec<String> {
        r.err()
            .unwrap_or_default()
            .iter()
            .map(|e| e.to_string())
            .collect()
    }

    #[test]
    fn reads_an_attribute_with_its_settings() {
        let r = parse(&attribute(
            "<MultiValue>true</MultiValue>\n<Mandatory>true</Mandatory>\n<Default>x</Default>\n",
        ));
        let objects = r.unwrap_or_default();
        let a = objects.first().and_then(|o| o.attribute("a"));
        assert!(a.is_some_and(|a| a.multivalue
            && a.mandatory
            && !a.readonly
            && a.backend == Backend::Ldap
            && a.default == Some(crate::value::Value::text("x"))));
    }

    #[test]
    fn unknown_condition_names_file_line_and_condition() {
        let r = parse(&attribute(
            "<Validators>\n<Condition>\n<Name>Bogus</Name>\n</Condition>\n</Validators>\n",
        ));
        assert_eq!(messages(r), ["thing.xml:12: unknown condition 'Bogus'"]);
    }

    #[test]
    fn unknown_filter_type_and_backend_are_each_reported() {
        let r = parse(
            "<Attributes>\n<Attribute>\n<Name>a</Name>\n<Type>Colour</Type>\n<Backend>Oracle</Backend>\n<OutFilter><FilterChain><FilterEntry>\n<Filter><Name>Paint</Name></Filter>\n</FilterEntry></FilterChain></OutFilter>\n</Attribute>\n</Attributes>\n",
        );
        assert_eq!(
            messages(r),
            [
                "thing.xml:10: unknown type 'Colour'",
                "thing.xml:11: unknown backend 'Oracle'",
                "thing.xml:13: unknown filter 'Paint'",
            ]
        );
    }

    #[test]
    fn samba_filter_is_unsupported() {
        let r = parse(&attribute(
            "<InFilter><FilterChain><FilterEntry>\n<Filter><Name>SambaHash</Name></Filter>\n</FilterEntry></FilterChain></InFilter>\n",
        ));
        let m = messages(r);
        assert_eq!(m.len(), 1);
        assert!(
            m[0].starts_with("thing.xml:12: filter 'SambaHash' is unsupported"),
            "{m:?}"
        );
    }

    #[test]
    fn bad_default_is_refused() {
        let r = parse(
            "<Attributes>\n<Attribute>\n<Name>n</Name>\n<Type>Integer</Type>\n<Default>many</Default>\n</Attribute>\n</Attributes>\n",
        );
        let m = messages(r);
        assert_eq!(m.len(), 1);
        assert!(
            m[0].starts_with("thing.xml:11: attribute 'n': default: "),
            "{m:?}"
        );
    }

    #[test]
    fn set_backends_parameters_are_backends() {
        let r = parse(&attribute(
            "<OutFilter><FilterChain><FilterEntry>\n<Filter><Name>SetBackends</Name><Param>NULL</Param><Param>Tape</Param></Filter>\n</FilterEntry></FilterChain></OutFilter>\n",
        ));
        assert_eq!(
            messages(r),
            ["thing.xml:12: unknown backend 'Tape' in filter 'SetBackends'"]
        );
    }

    #[test]
    fn operator_chain_is_read() {
        let r = parse(&attribute(
            "<Validators><ConditionOperator><Operator>or</Operator>\n<LeftConditionChain><Condition><Name>RegEx</Name><Param>^a</Param></Condition></LeftConditionChain>\n<RightConditionChain><Condition><Name>stringLength</Name><Param>0</Param><Param>3</Param></Condition></RightConditionChain>\n</ConditionOperator></Validators>\n",
        ));
        let objects = r.unwrap_or_default();
        let v = objects
            .first()
            .and_then(|o| o.attribute("a"))
            .and_then(|a| a.validator.clone());
        assert!(matches!(v, Some(ConditionExpr::Or(_, _))));
    }

    #[test]
    fn malformed_xml_is_located() {
        let schema = DefinitionSchema::load();
        let r = schema.map(|s| parse_definitions("<Objects>\n<Object>\n</Objects>", "bad.xml", &s));
        let m = r.map(messages).unwrap_or_default();
        assert_eq!(m.len(), 1);
        assert!(m[0].starts_with("bad.xml:3: "), "{m:?}");
    }
}
