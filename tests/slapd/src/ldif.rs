//! Reading the LDIF `ldapsearch -LLL` prints: entries separated by blank lines, `attr: value`
//! lines (`attr:: BASE64` for values that are not plain text, continuation lines starting
//! with a space), into [`LdifEntry`]s.

use std::collections::BTreeMap;

use crate::Error;

/// One entry: its DN and its attributes (names as the server spells them, values in order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LdifEntry {
    /// The DN.
    pub dn: String,
    /// Attribute → values.
    pub attrs: BTreeMap<String, Vec<String>>,
}

impl LdifEntry {
    /// The values of `attribute` (compared case-insensitively), none when it is absent.
    pub fn values(&self, attribute: &str) -> Vec<String> {
        self.attrs
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case(attribute))
            .flat_map(|(_, v)| v.iter().cloned())
            .collect()
    }

    /// The attribute names, sorted, lower-case.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.attrs.keys().map(|n| n.to_ascii_lowercase()).collect();
        names.sort();
        names
    }
}

fn base64(text: &str) -> Result<Vec<u8>, Error> {
    let digit = |c: u8| -> Result<u32, Error> {
        Ok(match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return Err(Error(format!("bad base64 in LDIF: {text}"))),
        })
    };
    let clean: Vec<u8> = text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
        .collect();
    let mut out = Vec::with_capacity(clean.len() * 3 / 4);
    for chunk in clean.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= digit(*c)? << (18 - 6 * i);
        }
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Ok(out)
}

/// Parses the LDIF of `ldapsearch -LLL`.
pub fn parse_ldif(text: &str) -> Result<Vec<LdifEntry>, Error> {
    // Join continuation lines first.
    let mut lines: Vec<String> = Vec::new();
    for line in text.lines() {
        match (line.strip_prefix(' '), lines.last_mut()) {
            (Some(rest), Some(last)) => last.push_str(rest),
            _ => lines.push(line.to_owned()),
        }
    }
    let mut entries = Vec::new();
    let mut current: Option<LdifEntry> = None;
    for line in lines {
        if line.is_empty() {
            entries.extend(current.take());
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| Error(format!("LDIF line without ':': {line}")))?;
        let value = match value.strip_prefix(':') {
            Some(b64) => String::from_utf8_lossy(&base64(b64.trim())?).into_owned(),
            None => value.strip_prefix(' ').unwrap_or(value).to_owned(),
        };
        if name.eq_ignore_ascii_case("dn") {
            entries.extend(current.take());
            current = Some(LdifEntry {
                dn: value,
                attrs: BTreeMap::new(),
            });
            continue;
        }
        let entry = current
            .as_mut()
            .ok_or_else(|| Error(format!("LDIF value before a dn: {line}")))?;
        entry.attrs.entry(name.to_owned()).or_default().push(value);
    }
    entries.extend(current);
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_with_base64_and_continued_lines_are_read() {
        let text = "dn: cn=M\\C3\\BCller,dc=net\nobjectClass: top\nobjectClass: person\nsn:: TcO8bGxlcg==\ndescr\n iption: a\n long one\n\ndn: dc=net\ndc: net\n";
        let entries = parse_ldif(text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].values("objectclass"), vec!["top", "person"]);
        assert_eq!(entries[0].values("sn"), vec!["Müller"]);
        assert_eq!(entries[0].values("description"), vec!["along one"]);
        assert_eq!(entries[1].dn, "dc=net");
    }
}
