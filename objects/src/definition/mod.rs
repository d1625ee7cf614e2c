//! Object definitions as read from the original XML format (namespace
//! `http://www.gonicus.de/Objects`): [`ObjectDef`] for each `<Object>`, with its
//! [`AttributeDef`]s, methods, hooks, backend parameters and the rest, each remembering the
//! line it was written on.
//!
//! Layout: `backend` (the backend names), `schema` (our definition schema, embedded, checked
//! with clacks-xml's validator), `parse` (one file: XML → [`ObjectDef`]s) with `elements`
//! (reading children and texts), `chains` (validators and filter chains) and `faults`
//! (located faults; unknown or unsupported names), `unsupported` (original features deliberately left
//! out, with their messages), `catalog` ([`Catalog`]: every file of the configured folders,
//! checked against each other), `describe` (the catalog as JSON).

mod backend;
mod catalog;
mod chains;
mod describe;
mod elements;
mod faults;
mod parse;
mod schema;
pub mod unsupported;

pub use backend::Backend;
pub use catalog::Catalog;
pub use describe::describe;
pub use parse::parse_definitions;
pub use schema::DefinitionSchema;

use crate::conditions::ConditionExpr;
use crate::filters::FilterChain;
use crate::types::AttrType;
use crate::value::Value;
use std::collections::BTreeMap;

/// Where a definition came from: file and line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Origin {
    /// The file, as given to the loader.
    pub file: String,
    /// The 1-based line of the element.
    pub line: u32,
}

/// One `<Object>`: a base object type or an extension.
#[derive(Debug, Clone)]
pub struct ObjectDef {
    /// `<Name>`.
    pub name: String,
    /// Where it is defined.
    pub origin: Origin,
    /// `<Description>`.
    pub description: String,
    /// `<DisplayName>`.
    pub display_name: Option<String>,
    /// `<BaseObject>`: a type of its own (true) or an extension (false).
    pub base_object: bool,
    /// `<Backend>`: the primary backend.
    pub backend: Backend,
    /// `<BackendParameters>`: settings per backend (object classes, RDN, filter …).
    pub backend_params: BTreeMap<Backend, BTreeMap<String, String>>,
    /// The object's own `<Attribute>`s, in definition order.
    pub attributes: Vec<AttributeDef>,
    /// `<ForeignAttribute>`s: attributes of the extended object this one uses.
    pub foreign: Vec<(String, Origin)>,
    /// `<Extends>`: the object types this extension extends.
    pub extends: Vec<String>,
    /// `<RequiresExtension>`: extensions that must be active before this one.
    pub requires: Vec<String>,
    /// `<Container>`: object types that may be created below this one.
    pub container: Vec<String>,
    /// `<FixedRDN>`.
    pub fixed_rdn: Option<String>,
    /// `<StructuralInvisible>`.
    pub structural_invisible: bool,
    /// `<Templates>` (GUI files; kept for the GUI, not used here).
    pub templates: Vec<String>,
    /// `<Dialogs>` (GUI files; kept for the GUI, not used here).
    pub dialogs: Vec<String>,
    /// `<Methods>`.
    pub methods: Vec<MethodDef>,
    /// `<Hooks>`.
    pub hooks: Vec<HookDef>,
    /// `<Find>`'s aspects (search aid for the GUI; kept, not interpreted).
    pub find: Vec<FindAspect>,
}

impl ObjectDef {
    /// The object's own attribute of this name.
    pub fn attribute(&self, name: &str) -> Option<&AttributeDef> {
        self.attributes.iter().find(|a| a.name == name)
    }
}

/// Values an attribute may take (`<Values>`).
#[derive(Debug, Clone, PartialEq)]
pub enum AllowedValues {
    /// Any value.
    Any,
    /// One of these.
    List(Vec<Value>),
    /// One of these keys (each with its label).
    Keyed(Vec<(Value, String)>),
    /// Whatever this command lists when called (`populate`): not checked offline.
    Populate(String),
}

/// `<BlockedBy><Attribute value="…">name</Attribute>`: the attribute cannot be changed
/// while `attribute` holds `value`.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockedBy {
    /// The blocking attribute.
    pub attribute: String,
    /// The value that blocks, as written.
    pub value: String,
    /// Where it is written.
    pub line: u32,
}

/// One `<Attribute>`.
#[derive(Debug, Clone)]
pub struct AttributeDef {
    /// `<Name>`.
    pub name: String,
    /// Its line.
    pub line: u32,
    /// `<Description>`.
    pub description: String,
    /// `<Type>`.
    pub attr_type: AttrType,
    /// `<BackendType>` (the type when absent).
    pub backend_type: AttrType,
    /// `<Backend>` (the object's backend when absent).
    pub backend: Backend,
    /// `<MultiValue>`.
    pub multivalue: bool,
    /// `<Mandatory>`.
    pub mandatory: bool,
    /// `<ReadOnly>`.
    pub readonly: bool,
    /// `<Unique>` (checked by the backends issue against stored objects).
    pub unique: bool,
    /// `<CaseSensitive>`.
    pub case_sensitive: bool,
    /// `<Default>`, read as the attribute's type.
    pub default: Option<Value>,
    /// `<Values>`.
    pub values: AllowedValues,
    /// `<DependsOn>`: attributes whose change makes this one be written again.
    pub depends_on: Vec<String>,
    /// `<BlockedBy>`.
    pub blocked_by: Vec<BlockedBy>,
    /// `<Validators>`.
    pub validator: Option<ConditionExpr>,
    /// `<InFilter>`'s chains.
    pub in_filter: Vec<FilterChain>,
    /// `<OutFilter>`'s chains.
    pub out_filter: Vec<FilterChain>,
    /// `<References>`: (object type, attribute) pairs whose values this one holds.
    pub references: Vec<(String, String)>,
}

/// A `<MethodParameter>`.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodParam {
    /// `<Name>`.
    pub name: String,
    /// `<Type>`.
    pub param_type: AttrType,
    /// `<Required>`.
    pub required: bool,
    /// `<Default>` as written (an empty default counts as none, as in the original).
    pub default: Option<String>,
}

/// A `<Method>`: calling it runs `command` with `command_params` filled from the object's
/// values, the call's parameters and `dn`.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodDef {
    /// `<Name>`.
    pub name: String,
    /// Its line.
    pub line: u32,
    /// `<MethodParameters>`.
    pub params: Vec<MethodParam>,
    /// `<Command>`.
    pub command: String,
    /// `<CommandParameters>`: attribute names, parameter names or `dn`.
    pub command_params: Vec<String>,
}

/// When a hook runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HookType {
    /// Before an object is created.
    PreCreate,
    /// Before it is updated.
    PreUpdate,
    /// Before it is removed.
    PreRemove,
    /// After it was created.
    PostCreate,
    /// After it was updated.
    PostUpdate,
    /// After it was removed.
    PostRemove,
}

impl HookType {
    /// The hook type of a name.
    pub fn from_name(name: &str) -> Option<HookType> {
        Some(match name {
            "PreCreate" => HookType::PreCreate,
            "PreUpdate" => HookType::PreUpdate,
            "PreRemove" => HookType::PreRemove,
            "PostCreate" => HookType::PostCreate,
            "PostUpdate" => HookType::PostUpdate,
            "PostRemove" => HookType::PostRemove,
            _ => return None,
        })
    }
}

/// A `<Hook>`.
#[derive(Debug, Clone, PartialEq)]
pub struct HookDef {
    /// `<Type>`.
    pub hook_type: HookType,
    /// Its line.
    pub line: u32,
    /// `<Command>`.
    pub command: String,
    /// `<CommandParameters>`: attribute names, `dn` or `uuid`.
    pub command_params: Vec<String>,
}

/// A `<Find><Aspect>`: how the GUI searches and shows objects of this type.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FindAspect {
    /// `<Tag>`.
    pub tag: String,
    /// `<Keyword>`s.
    pub keywords: Vec<String>,
    /// `<Search>`: attributes searched.
    pub search: Vec<String>,
    /// `<Resolve>`: attributes whose values name other objects.
    pub resolve: Vec<String>,
    /// `<Result><Map>`: (source, destination) pairs.
    pub result: Vec<(String, String)>,
}
