//! [`Catalog`]: every definition of the configured folders and files, read and checked
//! against each other.
//!
//! Per file, [`parse_definitions`] checks the structure and the names of filters,
//! conditions, types and backends. Across files the catalog checks what needs more than one
//! file: object names are unique, a `ForeignAttribute` is an attribute of an object the
//! extension extends, `DependsOn` and `BlockedBy` name attributes the object has (and
//! `BlockedBy` values fit the blocker's type), dependencies have no loop, `RequiresExtension`
//! names a loaded extension, and method and hook command parameters name attributes,
//! parameters or `dn`. Types named in `Extends` and `Container` that no loaded file defines
//! are not faults (the original definitions name types of plugins not shipped with them);
//! they become [`Catalog::notes`].

use super::parse::parse_definitions;
use super::unsupported::{self, Feature};
use super::{AttributeDef, DefinitionSchema, ObjectDef};
use crate::error::{Error, ErrorKind};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The loaded definitions.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    objects: BTreeMap<String, ObjectDef>,
    files: Vec<String>,
    notes: Vec<String>,
}

/// The definition files of a path: a folder's `*.xml` files (sorted, not recursive), or the
/// file itself.
fn files_of(path: &Path) -> Result<Vec<PathBuf>, Error> {
    let io = |e: std::io::Error| {
        Error::new(ErrorKind::Io, format!("cannot read: {e}")).in_file(path.display().to_string())
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).map_err(io)? {
        let p = entry.map_err(io)?.path();
        if p.extension().is_some_and(|e| e == "xml") && p.is_file() {
            files.push(p);
        }
    }
    files.sort();
    Ok(files)
}

impl Catalog {
    /// Loads every definition file of `paths` (folders or files). All faults of all files are
    /// returned together; an unreadable path is an [`ErrorKind::Io`] fault.
    pub fn load(paths: &[PathBuf]) -> Result<Catalog, Vec<Error>> {
        let mut sources = Vec::new();
        let mut errors = Vec::new();
        let mut seen = BTreeSet::new();
        for path in paths {
            match files_of(path) {
                Ok(files) => {
                    for f in files {
                        // A file given both alone and in its folder is read once.
                        if !seen.insert(std::fs::canonicalize(&f).unwrap_or_else(|_| f.clone())) {
                            continue;
                        }
                        let name = f.display().to_string();
                        match std::fs::read_to_string(&f) {
                            Ok(text) => sources.push((name, text)),
                            Err(e) => errors.push(
                                Error::new(ErrorKind::Io, format!("cannot read: {e}"))
                                    .in_file(name),
                            ),
                        }
                    }
                }
                Err(e) => errors.push(e),
            }
        }
        match Catalog::from_sources(&sources) {
            Ok(c) if errors.is_empty() => Ok(c),
            Ok(_) => Err(errors),
            Err(more) => {
                errors.extend(more);
                Err(errors)
            }
        }
    }

    /// Loads definitions given as (file name, text) pairs.
    pub fn from_sources(sources: &[(String, String)]) -> Result<Catalog, Vec<Error>> {
        let schema = DefinitionSchema::load().map_err(|e| vec![e])?;
        let mut errors = Vec::new();
        let mut catalog = Catalog::default();
        for (file, text) in sources {
            catalog.files.push(file.clone());
            match parse_definitions(text, file, &schema) {
                Ok(objects) => {
                    for o in objects {
                        if let Some(first) = catalog.objects.get(&o.name) {
                            errors.push(
                                Error::new(
                                    ErrorKind::Definition,
                                    format!(
                                        "object '{}' is already defined at {}:{}",
                                        o.name, first.origin.file, first.origin.line
                                    ),
                                )
                                .at(o.origin.line)
                                .in_file(&o.origin.file),
                            );
                        } else {
                            catalog.objects.insert(o.name.clone(), o);
                        }
                    }
                }
                Err(e) => errors.extend(e),
            }
        }
        for o in catalog.objects.values() {
            errors.extend(catalog.check_object(o));
        }
        catalog.notes = catalog.collect_notes();
        if errors.is_empty() {
            Ok(catalog)
        } else {
            Err(errors)
        }
    }

    /// An object type or extension by name.
    pub fn object(&self, name: &str) -> Option<&ObjectDef> {
        self.objects.get(name)
    }

    /// Every loaded object, by name.
    pub fn objects(&self) -> impl Iterator<Item = &ObjectDef> {
        self.objects.values()
    }

    /// The base object types.
    pub fn base_types(&self) -> Vec<&ObjectDef> {
        self.objects.values().filter(|o| o.base_object).collect()
    }

    /// The extensions that extend `base`.
    pub fn extensions_of(&self, base: &str) -> Vec<&ObjectDef> {
        self.objects
            .values()
            .filter(|o| !o.base_object && o.extends.iter().any(|e| e == base))
            .collect()
    }

    /// Whether an object of type `child` may be created below one of type `parent`
    /// (`parent`'s `Container` lists it).
    pub fn may_contain(&self, parent: &str, child: &str) -> bool {
        self.objects
            .get(parent)
            .is_some_and(|p| p.container.iter().any(|c| c == child))
    }

    /// The files read, in order.
    pub fn files(&self) -> &[String] {
        &self.files
    }

    /// Remarks that are no faults: types named in `Extends` or `Container` that no loaded
    /// definition defines.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// The definition of `attribute` as `object` sees it: its own, or for a foreign attribute
    /// the one of the extended object that defines it (with that object).
    pub fn attribute_def<'a>(
        &'a self,
        object: &'a ObjectDef,
        attribute: &str,
    ) -> Option<(&'a ObjectDef, &'a AttributeDef)> {
        if let Some(a) = object.attribute(attribute) {
            return Some((object, a));
        }
        if !object.foreign.iter().any(|(n, _)| n == attribute) {
            return None;
        }
        object
            .extends
            .iter()
            .filter_map(|e| self.objects.get(e))
            .find_map(|o| o.attribute(attribute).map(|a| (o, a)))
    }

    fn check_object(&self, o: &ObjectDef) -> Vec<Error> {
        let mut errors = Vec::new();
        let mut fail = |line: u32, kind: ErrorKind, msg: String| {
            errors.push(Error::new(kind, msg).at(line).in_file(&o.origin.file));
        };
        let mut names = BTreeSet::new();
        for a in &o.attributes {
            if !names.insert(a.name.as_str()) {
                fail(
                    a.line,
                    ErrorKind::Definition,
                    format!("attribute '{}' is defined twice", a.name),
                );
            }
        }
        for (f, origin) in &o.foreign {
            if !names.insert(f.as_str()) {
                fail(
                    origin.line,
                    ErrorKind::Definition,
                    format!("attribute '{f}' is defined twice"),
                );
            } else if self.attribute_def(o, f).is_none() {
                fail(
                    origin.line,
                    ErrorKind::Definition,
                    format!(
                        "foreign attribute '{f}' is no attribute of a loaded object '{}' extends",
                        o.name
                    ),
                );
            }
        }
        for a in &o.attributes {
            for d in &a.depends_on {
                if !names.contains(d.as_str()) {
                    fail(
                        a.line,
                        ErrorKind::Definition,
                        format!("attribute '{}' depends on unknown attribute '{d}'", a.name),
                    );
                }
            }
            for b in &a.blocked_by {
                match self.attribute_def(o, &b.attribute) {
                    None => fail(
                        b.line,
                        ErrorKind::Definition,
                        format!(
                            "attribute '{}' is blocked by unknown attribute '{}'",
                            a.name, b.attribute
                        ),
                    ),
                    Some((_, blocker)) => {
                        if let Err(e) = blocker.attr_type.parse(&b.value) {
                            fail(
                                b.line,
                                ErrorKind::Definition,
                                format!("attribute '{}': blocking value: {e}", a.name),
                            );
                        }
                    }
                }
            }
        }
        if let Some(cycle) = dependency_cycle(o) {
            fail(
                o.origin.line,
                ErrorKind::Definition,
                format!(
                    "attributes depend on each other in a loop: {}",
                    cycle.join(" → ")
                ),
            );
        }
        for r in &o.requires {
            match self.objects.get(r) {
                Some(ext) if !ext.base_object => {}
                Some(_) => fail(
                    o.origin.line,
                    ErrorKind::Definition,
                    format!("'{}' requires '{r}', which is no extension", o.name),
                ),
                None => fail(
                    o.origin.line,
                    ErrorKind::Unknown,
                    format!("'{}' requires unknown extension '{r}'", o.name),
                ),
            }
        }
        for m in &o.methods {
            for p in &m.command_params {
                let known = p == "dn"
                    || names.contains(p.as_str())
                    || m.params.iter().any(|mp| &mp.name == p);
                if known {
                    continue;
                }
                let (kind, msg) = match unsupported::message(Feature::CommandParameter, p) {
                    Some(m) => (ErrorKind::Unsupported, m),
                    None => (
                        ErrorKind::Unknown,
                        format!(
                            "method '{}': command parameter '{p}' is no attribute, parameter or dn",
                            m.name
                        ),
                    ),
                };
                fail(m.line, kind, msg);
            }
        }
        for h in &o.hooks {
            for p in &h.command_params {
                if !(p == "dn" || p == "uuid" || names.contains(p.as_str())) {
                    fail(
                        h.line,
                        ErrorKind::Unknown,
                        format!("hook: command parameter '{p}' is no attribute, dn or uuid"),
                    );
                }
            }
        }
        errors
    }

    fn collect_notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        for o in self.objects.values() {
            for (what, names) in [("extends", &o.extends), ("may contain", &o.container)] {
                for n in names {
                    if !self.objects.contains_key(n) {
                        notes.push(format!(
                            "{}:{}: '{}' {what} '{n}', which no loaded definition defines",
                            o.origin.file, o.origin.line, o.name
                        ));
                    }
                }
            }
        }
        notes
    }
}

/// The attributes of a dependency loop in `o`, if there is one.
fn dependency_cycle(o: &ObjectDef) -> Option<Vec<String>> {
    fn visit<'a>(
        o: &'a ObjectDef,
        name: &'a str,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(pos) = path.iter().position(|p| *p == name) {
            let mut cycle: Vec<String> = path[pos..].iter().map(|s| s.to_string()).collect();
            cycle.push(name.to_string());
            return Some(cycle);
        }
        if !done.insert(name) {
            return None;
        }
        path.push(name);
        if let Some(a) = o.attribute(name) {
            for d in &a.depends_on {
                if let Some(c) = visit(o, d, path, done) {
                    return Some(c);
                }
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for a in &o.attributes {
        let mut path = Vec::new();
        if let Some(c) = visit(o, &a.name, &mut path, &mut done) {
            return Some(c);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(name: &str, base: bool, body: &str) -> String {
        format!(
            "<Objects xmlns=\"http://www.gonicus.de/Objects\">\n<Object>\n<Name>{name}</Name>\n<Description>d</Description>\n<Backend>LDAP</Backend>\n<BaseObject>{base}</BaseObject>\n{body}</Object>\n</Objects>\n"
        )
    }

    fn load(files: &[(&str, String)]) -> Result<Catalog, Vec<String>> {
        let sources: Vec<(String, String)> = files
            .iter()
            .map(|(n, t)| (n.to_string(), t.clone()))
            .collect();
        Catalog::from_sources(&sources).map_err(|es| es.iter().map(|e| e.to_string()).collect())
    }

    const PERSON: &str = "<Attributes>\n<Attribute><Name>sn</Name><Type>String</Type></Attribute>\n<Attribute><Name>flag</Name><Type>Boolean</Type></Attribute>\n</Attributes>\n";

    #[test]
    fn foreign_attributes_resolve_to_the_extended_object() {
        let ext = object(
            "Posix",
            false,
            "<Attributes>\n<ForeignAttribute><Name>sn</Name></ForeignAttribute>\n</Attributes>\n<Extends><Value>Person</Value></Extends>\n",
        );
        let c = load(&[("p.xml", object("Person", true, PERSON)), ("x.xml", ext)]);
        let c = c.unwrap_or_default();
        let posix = c.object("Posix");
        let def = posix.and_then(|p| c.attribute_def(p, "sn"));
        assert!(def.is_some_and(|(owner, a)| owner.name == "Person" && a.name == "sn"));
        assert_eq!(c.extensions_of("Person").len(), 1);
        assert_eq!(c.base_types().len(), 1);
    }

    #[test]
    fn unresolvable_foreign_attribute_is_a_fault() {
        let ext = object(
            "Posix",
            false,
            "<Attributes>\n<ForeignAttribute><Name>uid</Name></ForeignAttribute>\n</Attributes>\n<Extends><Value>Person</Value></Extends>\n",
        );
        let r = load(&[("p.xml", object("Person", true, PERSON)), ("x.xml", ext)]);
        assert_eq!(
            r.err().unwrap_or_default(),
            ["x.xml:8: foreign attribute 'uid' is no attribute of a loaded object 'Posix' extends"]
        );
    }

    #[test]
    fn duplicate_objects_name_the_first_definition() {
        let r = load(&[
            ("a.xml", object("Person", true, "")),
            ("b.xml", object("Person", true, "")),
        ]);
        assert_eq!(
            r.err().unwrap_or_default(),
            ["b.xml:2: object 'Person' is already defined at a.xml:2"]
        );
    }

    #[test]
    fn dependency_and_blocking_names_are_checked() {
        let body = "<Attributes>\n<Attribute><Name>a</Name><Type>String</Type><DependsOn><Attribute>nope</Attribute></DependsOn></Attribute>\n<Attribute><Name>b</Name><Type>String</Type><BlockedBy><Attribute value=\"true\">ghost</Attribute></BlockedBy></Attribute>\n</Attributes>\n";
        let r = load(&[("a.xml", object("T", true, body))]);
        assert_eq!(
            r.err().unwrap_or_default(),
            [
                "a.xml:8: attribute 'a' depends on unknown attribute 'nope'",
                "a.xml:9: attribute 'b' is blocked by unknown attribute 'ghost'",
            ]
        );
    }

    #[test]
    fn dependency_loops_are_faults() {
        let body = "<Attributes>\n<Attribute><Name>a</Name><Type>String</Type><DependsOn><Attribute>b</Attribute></DependsOn></Attribute>\n<Attribute><Name>b</Name><Type>String</Type><DependsOn><Attribute>a</Attribute></DependsOn></Attribute>\n</Attributes>\n";
        let r = load(&[("a.xml", object("T", true, body))]);
        assert_eq!(
            r.err().unwrap_or_default(),
            ["a.xml:2: attributes depend on each other in a loop: a → b → a"]
        );
    }

    #[test]
    fn required_extension_must_exist() {
        let r = load(&[(
            "a.xml",
            object(
                "T",
                false,
                "<RequiresExtension><Extension>Ghost</Extension></RequiresExtension>\n",
            ),
        )]);
        assert_eq!(
            r.err().unwrap_or_default(),
            ["a.xml:2: 'T' requires unknown extension 'Ghost'"]
        );
    }

    #[test]
    fn method_parameters_must_be_known() {
        let body = "<Methods><Method><Name>m</Name><Command>cmd</Command><CommandParameters><Value>dn</Value><Value>sn</Value><Value>what</Value><Value>__self__</Value></CommandParameters></Method></Methods>\n";
        let r = load(&[("a.xml", object("T", true, &format!("{PERSON}{body}")))]);
        let errs = r.err().unwrap_or_default();
        assert_eq!(errs.len(), 2);
        assert!(errs[0].contains("command parameter 'what' is no attribute"));
        assert!(errs[1].contains("command parameter '__self__' is unsupported"));
    }

    #[test]
    fn unknown_extends_and_containers_are_notes() {
        let c = load(&[(
            "a.xml",
            object("T", true, "<Container><Type>Elsewhere</Type></Container>\n"),
        )]);
        let notes = c.map(|c| c.notes().to_vec()).unwrap_or_default();
        assert_eq!(
            notes,
            ["a.xml:2: 'T' may contain 'Elsewhere', which no loaded definition defines"]
        );
    }

    #[test]
    fn containers_say_what_may_be_created_below() {
        let c = load(&[(
            "a.xml",
            object("T", true, "<Container><Type>U</Type></Container>\n"),
        )]);
        let c = c.unwrap_or_default();
        assert!(c.may_contain("T", "U"));
        assert!(!c.may_contain("T", "T"));
        assert!(!c.may_contain("Nothing", "U"));
    }

    #[test]
    fn a_file_given_twice_is_read_once() {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("definitions");
        let r = Catalog::load(&[dir.clone(), dir.join("user.xml")]);
        assert!(r.is_ok_and(|c| c.files().iter().filter(|f| f.ends_with("user.xml")).count() == 1));
    }

    #[test]
    fn unreadable_path_is_an_io_fault() {
        let r = Catalog::load(&[PathBuf::from("/nonexistent/definitions")]);
        assert!(r
            .err()
            .is_some_and(|e| e.len() == 1 && e[0].kind() == ErrorKind::Io));
    }
}
