//! `clacks validate`, `emit`, `listen` and `generate` as a user runs them: offline
//! validation of the reference examples, publishing files through a real `clacks node`, and
//! listening to its filtered event stream.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use super::{clacks, start_node, stderr, stdout, BIN};

const REFERENCE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/reference/clacks/events"
);

fn scratch(test: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("clacks-cli-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A caller-publishable event for emit and listen (callers may not publish node-only events).
fn notice(target: &str, timeout: &str) -> String {
    format!(
        "<Event xmlns=\"http://www.gonicus.de/Events\">\n  <Notification>\n    <Target>{target}</Target>\n    <Body>b</Body>\n    <Timeout>{timeout}</Timeout>\n  </Notification>\n</Event>\n"
    )
}

#[test]
fn validate_judges_the_checked_reference_examples_as_named_and_rejects_both_originals() {
    let checked = format!("{REFERENCE}/checked");
    let mut files: Vec<String> = std::fs::read_dir(&checked)
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .filter(|p| p.ends_with(".xml"))
        .collect();
    files.sort();
    assert!(files.len() >= 8, "{files:?}");
    // Against our built-in schemas, the original's XSDs alone, and both together (the
    // reference's copies of our events, such as ClientAnnounce, yield to ours with a warning).
    let originals: &[&str] = &["--no-builtin", "--schemas", REFERENCE];
    let beside: &[&str] = &["--schemas", REFERENCE];
    for schemas in [&[][..], originals, beside] {
        judge(&files, schemas);
    }
    let out = clacks(&["validate", "--schemas", REFERENCE, &files[0]]);
    let warnings = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        warnings
            .lines()
            .all(|l| l.starts_with("clacks: warning: ") && l.contains("builtin:")),
        "{warnings}"
    );
    // All at once: one line per faulty file, exit 1.
    let mut all: Vec<&str> = vec!["validate"];
    all.extend(files.iter().map(String::as_str));
    let out = clacks(&all);
    assert_eq!(out.status.code(), Some(1));
    let invalid = files.iter().filter(|f| f.ends_with("-invalid.xml")).count();
    assert_eq!(stdout(&out).lines().count(), invalid, "{}", stdout(&out));
}

/// Runs `clacks validate [schemas…] FILE` on every file and checks the verdict its name gives,
/// and that both of the original's examples are rejected naming element and line.
fn judge(files: &[String], schemas: &[&str]) {
    let validate = |file: &str| {
        let mut args = vec!["validate"];
        args.extend_from_slice(schemas);
        args.push(file);
        clacks(&args)
    };
    for file in files {
        let out = validate(file);
        if file.ends_with("-valid.xml") {
            assert_eq!(
                out.status.code(),
                Some(0),
                "{file} {schemas:?}: {}",
                stdout(&out)
            );
            assert!(stdout(&out).is_empty());
        } else {
            assert_eq!(
                out.status.code(),
                Some(1),
                "{file} must be rejected ({schemas:?})"
            );
            let line = stdout(&out);
            let rest = line
                .strip_prefix(&format!("{file}:"))
                .unwrap_or_else(|| panic!("{line}"));
            let mut parts = rest.splitn(3, ':');
            assert!(parts.next().unwrap().parse::<u32>().unwrap() > 0, "{line}");
            assert!(parts.next().unwrap().parse::<u32>().unwrap() > 0, "{line}");
            assert!(parts.next().unwrap().contains("element <"), "{line}");
        }
    }
    for original in ["example-valid.xml", "example-invalid.xml"] {
        let file = format!("{REFERENCE}/{original}");
        let out = validate(&file);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{original} must be rejected: {}",
            stdout(&out)
        );
        assert!(
            stdout(&out).starts_with(&format!("{file}:7:3: element <")),
            "{}",
            stdout(&out)
        );
    }
}

#[test]
fn validate_uses_extra_schema_folders_and_exits_2_on_unreadable_input() {
    let dir = scratch("validate");
    let schemas = dir.join("schemas");
    std::fs::create_dir_all(&schemas).unwrap();
    std::fs::write(
        schemas.join("Door.xsd"),
        r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="http://www.gonicus.de/Events" elementFormDefault="qualified">
  <xs:element name="DoorOpened"><xs:complexType><xs:sequence>
    <xs:element name="Room" type="xs:string"/>
  </xs:sequence></xs:complexType></xs:element>
</xs:schema>"#,
    )
    .unwrap();
    let event = dir.join("door.xml");
    std::fs::write(&event, "<Event xmlns=\"http://www.gonicus.de/Events\"><DoorOpened><Room>A</Room></DoorOpened></Event>").unwrap();
    let event = event.display().to_string();
    let out = clacks(&["validate", &event]);
    assert_eq!(out.status.code(), Some(1), "unknown without the folder");
    assert!(
        stdout(&out).contains("no loaded schema declares"),
        "{}",
        stdout(&out)
    );
    let folder = schemas.display().to_string();
    let out = clacks(&["validate", "--schemas", &folder, "--verbose", &event]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(stdout(&out).contains("valid DoorOpened"));
    let out = clacks(&[
        "validate",
        "--schemas",
        &folder,
        &event,
        "/nonexistent/e.xml",
    ]);
    assert_eq!(out.status.code(), Some(2), "an unreadable file exits 2");
    assert!(stderr(&out).contains("/nonexistent/e.xml"));
    let out = clacks(&["validate", "--schemas", "/nonexistent/dir", &event]);
    assert_eq!(out.status.code(), Some(2), "a bad schema folder exits 2");
    std::fs::write(schemas.join("Broken.xsd"), "<xs:schema").unwrap();
    let out = clacks(&["validate", "--schemas", &folder, &event]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("Broken.xsd"), "{}", stderr(&out));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn emit_publishes_event_files_and_reports_invalid_ones_as_file_line_column() {
    let node = start_node("clie1", &[]);
    let dir = scratch("emit");
    let good = dir.join("good.xml");
    std::fs::write(&good, notice("n", "15")).unwrap();
    let bad = dir.join("bad.xml");
    std::fs::write(&bad, notice("n", "lots")).unwrap();
    let (good, bad) = (good.display().to_string(), bad.display().to_string());
    let out = clacks(&["emit", "--url", node.url(), &good]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).trim(),
        format!("{good}: Notification published by clie1")
    );
    let out = clacks(&["emit", "--url", node.url(), &bad]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with(&format!("{bad}:5:5: element <Timeout>")),
        "{}",
        stderr(&out)
    );
    let out = clacks(&["emit", "--url", node.url(), "/nonexistent/event.xml"]);
    assert_eq!(out.status.code(), Some(2));
    let mut child = Command::new(BIN)
        .args(["emit", "--url", node.url(), "--json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(notice("stdin", "0").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let response: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(response["result"]["event"], "Notification");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn listen_prints_only_the_events_matching_its_filter() {
    let node = start_node("clil1", &[]);
    let mut listener = Command::new(BIN)
        .args(["listen", "--url", node.url(), "--json", "--count", "2"])
        .args([
            "--filter",
            "//e:Notification[e:Timeout > 2]",
            "--name",
            "Notification",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr_pipe = listener.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr_pipe).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let line = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("listen reports it listens");
    assert!(line.contains("listening on"), "{line}");
    let dir = scratch("listen");
    for (id, timeout) in [("a", "1"), ("b", "3"), ("c", "0"), ("d", "9")] {
        let file = dir.join(format!("{id}.xml"));
        std::fs::write(&file, notice(id, timeout)).unwrap();
        let out = clacks(&["emit", "--url", node.url(), &file.display().to_string()]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let out = listener.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{}", stdout(&out));
    assert_eq!(lines[0]["event"], "Notification");
    assert_eq!(lines[0]["origin"], "clil1");
    assert!(lines[0]["xml"]
        .as_str()
        .unwrap()
        .contains("<Target>b</Target>"));
    assert!(lines[1]["xml"]
        .as_str()
        .unwrap()
        .contains("<Target>d</Target>"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn listen_refuses_a_bad_filter_before_connecting() {
    let out = clacks(&[
        "listen",
        "--url",
        "http://127.0.0.1:9/rpc",
        "--filter",
        "//e:X[",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("does not compile"));
    let out = clacks(&[
        "listen",
        "--url",
        "http://127.0.0.1:9/rpc",
        "--ns",
        "nonsense",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn generate_feeds_the_stats_plugin_through_events_publish() {
    let node = start_node("clig1", &[]);
    let out = clacks(&[
        "generate",
        "phone-calls",
        "--url",
        node.url(),
        "--events",
        "60",
        "--seed",
        "5",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("published 60 PhoneCall events"),
        "{}",
        stderr(&out)
    );
    let mut total = 0;
    for _ in 0..100 {
        let out = clacks(&["call", "--url", node.url(), "stats.query", "86400", "none"]);
        let result: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        total = result["total"]["calls"].as_u64().unwrap()
            + result["total"]["in_progress"].as_u64().unwrap();
        if total >= 20 {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(total >= 20, "{total} calls seen");
    let out = clacks(&["generate", "phone-calls", "--print", "--events", "3"]);
    assert_eq!(stdout(&out).lines().count(), 3);
}
