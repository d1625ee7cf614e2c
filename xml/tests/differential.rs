//! A second opinion on validation: every schema we ship (`xml/schemas/`, `objects/schema/`) or
//! reference (`../shared/reference/clacks/events`) judges documents through our validator and
//! through libxml2's `xmllint --schema`, and any disagreement fails unless [`KNOWN`] lists it
//! with its reason (the same table as docs/HOSTILE_INPUT.md). The documents: the valid and the
//! invalid example of every built-in event (`differential/seeds.txt`) and the reference folder's
//! checked examples, each with generated variants (every leaf's text replaced by awkward values,
//! every leaf removed, duplicated, an unknown attribute and an unknown first child); the event
//! documents of the fuzz corpus (`fuzz/corpus/event_validate`) and our object definitions as
//! they are.
//!
//! `xmllint` comes with `libxml2-utils`, which `.ci/prepare` installs; without it this test
//! fails saying so, rather than passing without a second opinion.

use clacks_xml::{Document, SchemaSet, EVENTS_NS};
use regex::Regex;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A disagreement we accept: the schema's file stem (empty: any), a fragment of the document,
/// our verdict, and why.
struct Known {
    schema: &'static str,
    fragment: &'static str,
    ours: bool,
    reason: &'static str,
}

/// Known differences (documented in docs/HOSTILE_INPUT.md).
const KNOWN: &[Known] = &[
    Known {
        schema: "",
        fragment: "> 7 <",
        ours: true,
        reason:
            "XSD 1.0 Part 2 §3.3.13ff: every integer type has whiteSpace=collapse, so ' 7 ' is \
                 the integer 7; libxml2 refuses the surrounding whitespace (seen for xs:int, \
                 xs:unsignedInt and xs:unsignedLong elements)",
    },
    Known {
        schema: "",
        fragment: ">+4930<",
        ours: true,
        reason: "XSD 1.0 Part 2 §3.3.20 (nonNegativeInteger) allows an optional '+' sign, which \
                 the unsigned types inherit; libxml2 refuses the sign (seen for xs:unsignedInt and \
                 xs:unsignedLong)",
    },
    Known {
        schema: "",
        fragment: ">NaN<",
        ours: false,
        reason: "NaN is incomparable (XSD 1.0 Part 2 §3.2.5), so it cannot satisfy minInclusive \
                 on e:Seconds and e:Milliseconds; libxml2 skips the facet for NaN",
    },
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn reference() -> PathBuf {
    root().join("../../shared/reference/clacks/events")
}

/// The values every leaf's text is replaced with.
const AWKWARD: &[&str] = &[
    "",
    "x",
    "-1",
    "0",
    "1.5",
    " 7 ",
    "1e3",
    "NaN",
    "INF",
    "99999999999999999999",
    "true",
    "2026-02-30T00:00:00Z",
    "2026-11-03T14:05:09Z",
    "+4930",
    "a b",
    "CUMMULATIVE",
];

/// The seed and its generated variants.
fn variants(seed: &str) -> Vec<String> {
    let mut out = vec![seed.to_owned()];
    let text = Regex::new(r">([^<>]*)</").unwrap_or_else(|e| panic!("{e}"));
    for m in text.captures_iter(seed) {
        let Some(inner) = m.get(1) else { continue };
        for value in AWKWARD {
            out.push(format!(
                "{}{value}{}",
                &seed[..inner.start()],
                &seed[inner.end()..]
            ));
        }
    }
    let leaf = Regex::new(r"<(\w+)>[^<>]*</(\w+)>").unwrap_or_else(|e| panic!("{e}"));
    for m in leaf.find_iter(seed) {
        out.push(format!("{}{}", &seed[..m.start()], &seed[m.end()..]));
        out.push(format!(
            "{}{}{}",
            &seed[..m.end()],
            m.as_str(),
            &seed[m.end()..]
        ));
    }
    if let Some(end) = seed.find('>') {
        let (open, rest) = seed.split_at(end);
        let open = open.trim_end_matches('/');
        let closing = if seed[..end].ends_with('/') { "/" } else { "" };
        out.push(format!("{open} foo=\"1\"{closing}{rest}"));
        if closing.is_empty() {
            out.push(format!("{open}><Zzz/>{}", &rest[1..]));
        }
    }
    out
}

/// Puts the events namespace on a bare event's root element.
fn in_events_ns(bare: &str) -> String {
    match bare.find(['>', '/', ' ']) {
        Some(at) => format!("{} xmlns=\"{EVENTS_NS}\"{}", &bare[..at], &bare[at..]),
        None => bare.to_owned(),
    }
}

/// xmllint's verdict for every document: valid or not (not well-formed counts as invalid).
fn xmllint(schema: &Path, docs: &[String], scratch: &Path) -> Vec<bool> {
    let files: Vec<PathBuf> = docs
        .iter()
        .enumerate()
        .map(|(i, doc)| {
            let file = scratch.join(format!("d{i}.xml"));
            std::fs::write(&file, doc).unwrap_or_else(|e| panic!("{e}"));
            file
        })
        .collect();
    let output = Command::new("xmllint")
        .arg("--noout")
        .arg("--nonet")
        .arg("--schema")
        .arg(schema)
        .args(&files)
        .output()
        .unwrap_or_else(|e| {
            panic!("xmllint does not run (install libxml2-utils, as .ci/prepare does): {e}")
        });
    let report = String::from_utf8_lossy(&output.stderr);
    assert!(
        !report.contains("failed to compile") && !report.contains("WXS schema"),
        "xmllint cannot load {}: {report}",
        schema.display()
    );
    files
        .iter()
        .map(|f| report.contains(&format!("{} validates", f.display())))
        .collect()
}

fn ours(set: &SchemaSet, doc: &str) -> bool {
    Document::parse(doc).is_ok_and(|d| set.validate(&d).is_ok())
}

/// Judges `docs` with both validators under `schema`; returns the unlisted disagreements.
fn compare(schema: &Path, docs: &[String], scratch: &Path, judged: &mut usize) -> Vec<String> {
    let mut set = SchemaSet::new();
    set.add_file(schema)
        .unwrap_or_else(|e| panic!("{}: {e}", schema.display()));
    let stem = schema
        .file_stem()
        .map_or(String::new(), |s| s.to_string_lossy().into_owned());
    let theirs = xmllint(schema, docs, scratch);
    let mut unlisted = Vec::new();
    for (doc, theirs) in docs.iter().zip(theirs) {
        *judged += 1;
        let ours = ours(&set, doc);
        if ours == theirs {
            continue;
        }
        let known = KNOWN.iter().any(|k| {
            (k.schema.is_empty() || k.schema == stem) && k.ours == ours && doc.contains(k.fragment)
        });
        if !known {
            let verdict = |v: bool| if v { "valid" } else { "invalid" };
            unlisted.push(format!(
                "{stem}: ours {}, xmllint {}: {doc}",
                verdict(ours),
                verdict(theirs)
            ));
        }
    }
    unlisted
}

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("clacks-differential-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    dir
}

#[test]
fn our_validator_agrees_with_libxml2_on_every_schema_we_ship_or_reference() {
    let scratch = scratch();
    let mut by_event: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let seeds = std::fs::read_to_string(root().join("tests/differential/seeds.txt"))
        .unwrap_or_else(|e| panic!("{e}"));
    for line in seeds
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let Some((event, bare)) = line.split_once('\t') else {
            continue;
        };
        by_event
            .entry(event.to_owned())
            .or_default()
            .extend(variants(bare).iter().map(|v| in_events_ns(v)));
    }
    // The reference's checked examples, unwrapped from their envelope.
    let wrapper =
        Regex::new(r#"(?s)^\s*(<\?xml[^>]*>)?\s*<Event xmlns="[^"]*">\s*(.*?)\s*</Event>\s*$"#)
            .unwrap_or_else(|e| panic!("{e}"));
    let mut reference_docs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if let Ok(entries) = std::fs::read_dir(reference().join("checked")) {
        for entry in entries.flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            let Some(inner) = wrapper.captures(&text).and_then(|c| c.get(2)) else {
                continue;
            };
            let bare = inner.as_str();
            let Some(event) = bare[1..].split(|c: char| !c.is_alphanumeric()).next() else {
                continue;
            };
            let docs: Vec<String> = variants(bare).iter().map(|v| in_events_ns(v)).collect();
            reference_docs
                .entry(event.to_owned())
                .or_default()
                .extend(docs.clone());
            by_event.entry(event.to_owned()).or_default().extend(docs);
        }
    }
    // Fuzzed documents: what the event_validate fuzzer kept, unwrapped where it is an envelope.
    if let Ok(entries) = std::fs::read_dir(root().join("../fuzz/corpus/event_validate")) {
        for entry in entries.flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            let Some(inner) = wrapper.captures(&text).and_then(|c| c.get(2)) else {
                continue;
            };
            let bare = inner.as_str();
            let Some(event) = bare
                .get(1..)
                .and_then(|b| b.split(|c: char| !c.is_alphanumeric()).next())
            else {
                continue;
            };
            // Already mutated by the fuzzer: judged as they are, without variants.
            if let Some(docs) = by_event.get_mut(event) {
                docs.push(in_events_ns(bare));
            }
        }
    }
    let mut unlisted = Vec::new();
    let mut judged = 0;
    for (event, docs) in &by_event {
        let ours_file = root().join(format!("schemas/{event}.xsd"));
        if ours_file.is_file() {
            unlisted.extend(compare(&ours_file, docs, &scratch, &mut judged));
        }
        let theirs_file = reference().join(format!("{event}.xsd"));
        if theirs_file.is_file() {
            let docs = reference_docs.get(event).unwrap_or(docs);
            unlisted.extend(compare(&theirs_file, docs, &scratch, &mut judged));
        }
    }
    // Our object definitions against our definition schema.
    let objects = root().join("../objects");
    let mut definitions = Vec::new();
    if let Ok(entries) = std::fs::read_dir(objects.join("definitions")) {
        for entry in entries.flatten() {
            if entry.path().extension().is_some_and(|x| x == "xml") {
                definitions.push(std::fs::read_to_string(entry.path()).unwrap_or_default());
            }
        }
    }
    if !definitions.is_empty() {
        unlisted.extend(compare(
            &objects.join("schema/object.xsd"),
            &definitions,
            &scratch,
            &mut judged,
        ));
    }
    std::fs::remove_dir_all(&scratch).ok();
    eprintln!(
        "differential: {judged} judgements, {} unlisted disagreements",
        unlisted.len()
    );
    for known in KNOWN {
        eprintln!("differential: known: {}: {}", known.fragment, known.reason);
    }
    assert!(judged > 1000, "only {judged} documents judged");
    assert!(
        unlisted.is_empty(),
        "{} disagreements with xmllint:\n{}",
        unlisted.len(),
        unlisted.join("\n")
    );
}
