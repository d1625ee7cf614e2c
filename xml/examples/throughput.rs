//! Measures the cost of each stage on typical events: parsing, validating, filtering and
//! decoding, so validation's share of event handling can be checked (run with `--release`).

use clacks_xml::{envelope, events, Document, Filter, Namespaces, SchemaSet};
use std::time::Instant;

fn time(label: &str, rounds: u32, mut f: impl FnMut()) -> f64 {
    for _ in 0..rounds / 10 {
        f();
    }
    let start = Instant::now();
    for _ in 0..rounds {
        f();
    }
    let per = start.elapsed().as_secs_f64() / f64::from(rounds) * 1e6;
    println!("{label:<40} {per:>8.2} µs");
    per
}

fn main() -> Result<(), clacks_xml::Error> {
    let set = SchemaSet::builtin()?;
    let filter = Filter::compile("//e:NodeStatus[e:Load > 2]", &Namespaces::default())?;
    let status = events::NodeStatus {
        id: "node-a".into(),
        load: 2.5,
        latency: 0.0125,
        workers: 8,
        in_flight: Some(3),
        indexed: Some(true),
    }
    .to_xml();
    let inventory = envelope::wrap(&format!(
        "<Inventory><Checksum>x</Checksum><DeviceID>d</DeviceID><QueryType>INVENTORY</QueryType><ClientVersion>1</ClientVersion><ClientUUID>u</ClientUUID><HardwareUUID>h</HardwareUUID><Hostname>h</Hostname>{}</Inventory>",
        "<Software><Name>pkg</Name><Type>deb</Type><Version>1.0</Version><Publisher>p</Publisher><InstallDate>d</InstallDate><Comments/><Size>123</Size><Folder>/</Folder></Software>".repeat(50)
    ));
    let rounds = 100_000;
    for (name, xml) in [
        ("NodeStatus", &status),
        ("Inventory (50 packages)", &inventory),
    ] {
        let rounds = if xml.len() > 1000 {
            rounds / 20
        } else {
            rounds
        };
        println!("{name}: {} bytes", xml.len());
        let doc = Document::parse(xml)?;
        set.validate_event(&doc)?;
        let parse = time("  parse", rounds, || {
            std::hint::black_box(Document::parse(xml).ok());
        });
        time("  quick-xml tokenising alone", rounds, || floor(xml));
        let validate = time("  validate (parsed document)", rounds, || {
            std::hint::black_box(set.validate_event(&doc).ok());
        });
        time("  filter //e:NodeStatus[e:Load > 2]", rounds, || {
            std::hint::black_box(filter.matches(&doc));
        });
        println!("  validation / parse: {:.0}%", validate / parse * 100.0);
    }
    let doc = Document::parse(&status)?;
    time("NodeStatus decode to struct", rounds, || {
        std::hint::black_box(events::NodeStatus::from_document(&doc).ok());
    });
    Ok(())
}

/// quick-xml's namespace-aware tokenizer alone: the floor under `Document::parse`.
fn floor(xml: &str) {
    let mut r = quick_xml::NsReader::from_str(xml);
    loop {
        match r.read_resolved_event() {
            Ok((_, quick_xml::events::Event::Eof)) | Err(_) => break,
            Ok(_) => {}
        }
    }
}
