//! What each fuzz target does with one input. A body returns normally for every input, valid
//! or not; a panic, a hang or runaway memory is the bug the fuzzer looks for. Beyond "does not
//! crash", bodies check cheap properties: what parses writes back to text that parses again,
//! and a limit error always names its limit.
//!
//! Shared with the workspace through `#[path]` (tests/tests/fuzz_corpus.rs), so it may only use
//! crates both have: `clacks_runtime`, `clacks_xml`, `serde_json`.

use clacks_runtime::codec::{json_rpc, wire};
use clacks_xml::{Document, Filter, Limits, Namespaces, SchemaSet};
use std::sync::OnceLock;

/// What a fuzz target does with one input.
pub type Body = fn(&[u8]);

/// Every target by name, for the corpus replay.
pub const TARGETS: &[(&str, Body)] = &[
    ("json_rpc", json_rpc_body),
    ("wire", wire_body),
    ("xml_document", xml_document),
    ("xsd_load", xsd_load),
    ("event_validate", event_validate),
    ("xpath", xpath),
    ("config", config),
];

/// The JSON-RPC reader, single message and batch (the gateway's and AMQP's path), and the
/// response writer over whatever it refused.
pub fn json_rpc_body(data: &[u8]) {
    match json_rpc::parse_body(data) {
        Ok(json_rpc::Incoming::Single(message)) => answer(message),
        Ok(json_rpc::Incoming::Batch(messages)) => messages.into_iter().for_each(answer),
        Err(error) => {
            let _ = json_rpc::response(serde_json::Value::Null, Err(error), "fuzz");
        }
    }
}

fn answer(message: Result<json_rpc::RpcRequest, json_rpc::Refused>) {
    if let Err(refused) = message {
        let _ = refused.response("fuzz");
    }
}

/// The bincode wire decoder; what it decodes must encode and decode to the same value.
pub fn wire_body(data: &[u8]) {
    let Some(codec) = wire::for_content_type(wire::BINCODE) else {
        panic!("bincode codec missing");
    };
    if let Ok(value) = codec.decode(data) {
        let again = codec.decode(&codec.encode(&value));
        assert_eq!(again.as_ref(), Ok(&value), "bincode round trip");
        let _ = json_rpc::parse_value(value);
    }
}

/// The XML parser under the default limits; a parsed document written back parses again.
pub fn xml_document(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Document::parse(text) {
        Ok(doc) => {
            let written = doc.to_xml();
            if let Err(e) = Document::parse(&written) {
                panic!("written document does not parse again: {e}\n{written}");
            }
        }
        Err(e) => assert_limit_named(&e),
    }
    // Tight limits must fail cleanly too.
    let tight = Limits {
        max_depth: 4,
        max_attributes: 4,
        max_name_length: 8,
        max_text: 64,
    };
    if let Err(e) = Document::parse_with(text, &tight) {
        assert_limit_named(&e);
    }
}

fn assert_limit_named(e: &clacks_xml::Error) {
    if let Some(limit) = e.limit() {
        assert!(e.message().contains(limit.setting()), "{e}");
    }
}

/// Loading a schema from text (what `events.schema_dirs` and plugins hand in).
pub fn xsd_load(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut set = SchemaSet::new();
    if set.add_str("Fuzz.xsd", text).is_ok() {
        for name in set.event_names().iter().take(4) {
            let doc = format!(
                "<Event xmlns=\"{}\"><{name}/></Event>",
                clacks_xml::EVENTS_NS
            );
            if let Ok(doc) = Document::parse(&doc) {
                let _ = set.validate_event(&doc);
            }
        }
    }
}

fn builtin() -> &'static SchemaSet {
    static SET: OnceLock<SchemaSet> = OnceLock::new();
    SET.get_or_init(|| match SchemaSet::builtin() {
        Ok(set) => set,
        Err(e) => panic!("built-in schemas do not load: {e}"),
    })
}

/// Validating an event against the built-in schemas (publish and receipt).
pub fn event_validate(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(doc) = Document::parse(text) {
        let _ = builtin().validate_event(&doc);
    }
}

/// An XPath filter (the first line) compiled and evaluated, within a budget, over a document
/// (the rest).
pub fn xpath(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (source, xml) = text.split_once('\n').unwrap_or((text, "<a/>"));
    let Ok(filter) = Filter::compile(source, &Namespaces::default()) else {
        return;
    };
    if let Ok(doc) = Document::parse(xml) {
        if let Err(e) = filter.matches_within(doc.root(), 100_000) {
            assert_limit_named(&e);
        }
    }
}

/// The configuration loader over a file's text (defaults, then the file, then validation).
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = std::env::temp_dir().join(format!("clacks-fuzz-config-{}.toml", std::process::id()));
    if std::fs::write(&path, text).is_ok() {
        let _ = clacks_runtime::config::load(Some(&path), Vec::new(), &[]);
    }
}
