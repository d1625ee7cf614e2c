//! Naming rules of the generator: XSD names to Rust identifiers, and doc attributes.
//!
//! Element names become snake_case fields with acronyms kept together (`IPAddress` →
//! `ip_address`, `IPv6Address` → `ipv6_address`, `NewDN` → `new_dn`); Rust keywords become
//! raw identifiers (`Type` → `r#type`); enumeration values without an `xs:appinfo` name become
//! CamelCase variants (`hung-up` → `HungUp`).

pub fn doc_attr(doc: &str, fallback: &str, indent: usize) -> String {
    let text = if doc.is_empty() { fallback } else { doc };
    format!("{:indent$}#[doc = {:?}]\n", "", text, indent = indent)
}

pub fn var(ident: &str) -> String {
    format!("f_{}", ident.trim_start_matches("r#"))
}

/// `IPv6Address` → `ipv6_address`, `NewDN` → `new_dn`, `SCSI_CHID` → `scsi_chid`.
pub fn snake(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let upper_run = chars[..i]
                .iter()
                .rev()
                .take_while(|p| p.is_uppercase())
                .count();
            if prev.is_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_uppercase() && next_lower && upper_run >= 2)
            {
                out.push('_');
            }
        }
        out.extend(c.to_lowercase());
    }
    out.replace("__", "_")
}

pub fn ident(name: &str) -> String {
    const KEYWORDS: &[&str] = &[
        "type", "match", "mod", "ref", "self", "use", "where", "impl", "fn", "loop", "move",
        "static", "struct", "trait", "enum", "crate",
    ];
    if KEYWORDS.contains(&name) {
        format!("r#{name}")
    } else {
        name.to_string()
    }
}

/// `hung-up` → `HungUp`, `NORMAL` → `Normal`.
pub fn camel(value: &str) -> String {
    value
        .split(|c: char| !c.is_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(|p| {
            let lower = p.to_lowercase();
            let mut cs = lower.chars();
            cs.next()
                .map(|f| f.to_uppercase().collect::<String>() + cs.as_str())
                .unwrap_or_default()
        })
        .collect()
}
