//! The subject common name of an X.509 certificate: the user RabbitMQ's `EXTERNAL` mechanism
//! (with `ssl_cert_login_from = common_name`) logs a client in as, and the user the gateway
//! maps an HTTPS client certificate to. A node must know that name before it connects, since
//! every message it publishes carries it as `user_id`.
//!
//! Only the path to the subject is read, with a strict DER reader (definite lengths, no
//! trailing bytes in what it walks): tbsCertificate, past version, serial number, signature
//! algorithm, issuer and validity, to the subject's attributes. A certificate with no common
//! name, or with several, has no single name and is refused, as RabbitMQ refuses it.

/// One DER element: its tag, its content, and what follows it.
struct Element<'a> {
    tag: u8,
    content: &'a [u8],
    rest: &'a [u8],
}

/// Reads the DER element at the start of `input`.
fn element(input: &[u8]) -> Result<Element<'_>, String> {
    let (&tag, after_tag) = input.split_first().ok_or("truncated element")?;
    if tag & 0x1f == 0x1f {
        return Err("high tag numbers are not used in certificate names".into());
    }
    let (&first, mut after_len) = after_tag.split_first().ok_or("truncated length")?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || after_len.len() < count {
            return Err("bad length".into());
        }
        let mut len = 0usize;
        for &b in &after_len[..count] {
            len = (len << 8) | usize::from(b);
        }
        after_len = &after_len[count..];
        len
    };
    if after_len.len() < len {
        return Err("truncated content".into());
    }
    Ok(Element {
        tag,
        content: &after_len[..len],
        rest: &after_len[len..],
    })
}

/// Reads an element that must have `tag`.
fn expect<'a>(input: &'a [u8], tag: u8, what: &str) -> Result<Element<'a>, String> {
    let e = element(input)?;
    if e.tag != tag {
        return Err(format!("{what}: tag {:#04x}, expected {tag:#04x}", e.tag));
    }
    Ok(e)
}

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const OID: u8 = 0x06;
/// 2.5.4.3, id-at-commonName.
const COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];

/// The text of a directory string (UTF8String, PrintableString, IA5String, TeletexString as
/// Latin-1, BMPString).
fn text(tag: u8, bytes: &[u8]) -> Result<String, String> {
    match tag {
        0x0c | 0x13 | 0x16 => {
            String::from_utf8(bytes.to_vec()).map_err(|_| "name is not UTF-8".into())
        }
        0x14 => Ok(bytes.iter().map(|&b| char::from(b)).collect()),
        0x1e => {
            if bytes.len() % 2 != 0 {
                return Err("odd BMPString".into());
            }
            let units: Vec<u16> = bytes
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).map_err(|_| "bad BMPString".into())
        }
        other => Err(format!("common name of string type {other:#04x}")),
    }
}

/// The subject common name of the DER certificate `der`.
pub fn common_name(der: &[u8]) -> Result<String, String> {
    let certificate = expect(der, SEQUENCE, "certificate")?;
    let tbs = expect(certificate.content, SEQUENCE, "tbsCertificate")?;
    let mut fields = tbs.content;
    // version [0] EXPLICIT, absent in v1 certificates.
    if fields.first() == Some(&0xa0) {
        fields = element(fields)?.rest;
    }
    let serial = expect(fields, 0x02, "serialNumber")?;
    let algorithm = expect(serial.rest, SEQUENCE, "signature")?;
    let issuer = expect(algorithm.rest, SEQUENCE, "issuer")?;
    let validity = expect(issuer.rest, SEQUENCE, "validity")?;
    let subject = expect(validity.rest, SEQUENCE, "subject")?;
    let mut names = Vec::new();
    let mut rdns = subject.content;
    while !rdns.is_empty() {
        let rdn = expect(rdns, SET, "relative distinguished name")?;
        let mut attributes = rdn.content;
        while !attributes.is_empty() {
            let attribute = expect(attributes, SEQUENCE, "attribute")?;
            let oid = expect(attribute.content, OID, "attribute type")?;
            if oid.content == COMMON_NAME {
                let value = element(oid.rest)?;
                names.push(text(value.tag, value.content)?);
            }
            attributes = attribute.rest;
        }
        rdns = rdn.rest;
    }
    match names.len() {
        1 => Ok(names.remove(0)),
        0 => Err("the certificate's subject has no common name (CN)".into()),
        n => Err(format!(
            "the certificate's subject has {n} common names; one is needed"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// DER of `tag` around `content` (short or one/two-byte long lengths).
    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        match content.len() {
            n if n < 0x80 => out.push(n as u8),
            n if n < 0x100 => out.extend([0x81, n as u8]),
            n => out.extend([0x82, (n >> 8) as u8, n as u8]),
        }
        out.extend_from_slice(content);
        out
    }

    fn name(attributes: &[(&[u8], u8, &[u8])]) -> Vec<u8> {
        let mut rdns = Vec::new();
        for (oid, tag, value) in attributes {
            let mut attribute = tlv(OID, oid);
            attribute.extend(tlv(*tag, value));
            rdns.extend(tlv(SET, &tlv(SEQUENCE, &attribute)));
        }
        tlv(SEQUENCE, &rdns)
    }

    fn certificate(subject: Vec<u8>, with_version: bool) -> Vec<u8> {
        let mut tbs = Vec::new();
        if with_version {
            tbs.extend(tlv(0xa0, &tlv(0x02, &[2])));
        }
        tbs.extend(tlv(0x02, &[1, 2, 3]));
        tbs.extend(tlv(SEQUENCE, &tlv(OID, &[0x2a, 0x86, 0x48])));
        tbs.extend(name(&[(&[0x55, 0x04, 0x0a], 0x0c, b"Issuer Org")]));
        tbs.extend(tlv(SEQUENCE, &[]));
        tbs.extend(subject);
        tbs.extend(vec![0u8; 200]); // stands for the key and extensions
        let mut cert = tlv(SEQUENCE, &tbs);
        cert.extend(tlv(SEQUENCE, &tlv(OID, &[0x2a])));
        cert.extend(tlv(0x03, &[0, 1, 2]));
        tlv(SEQUENCE, &cert)
    }

    #[test]
    fn the_subject_common_name_is_found_past_the_issuer() {
        let subject = name(&[
            (&[0x55, 0x04, 0x0a], 0x0c, b"Example"),
            (COMMON_NAME, 0x0c, b"org.example-node"),
        ]);
        let der = certificate(subject.clone(), true);
        assert_eq!(common_name(&der).as_deref(), Ok("org.example-node"));
        let v1 = certificate(subject, false);
        assert_eq!(common_name(&v1).as_deref(), Ok("org.example-node"));
    }

    #[test]
    fn printable_teletex_and_bmp_strings_are_read() {
        for (tag, bytes, want) in [
            (0x13, b"caller".to_vec(), "caller"),
            (0x14, vec![0x63, 0xe9], "c\u{e9}"),
            (0x1e, vec![0, b'n', 0, b'1'], "n1"),
        ] {
            let der = certificate(name(&[(COMMON_NAME, tag, &bytes)]), true);
            assert_eq!(common_name(&der).as_deref(), Ok(want));
        }
    }

    #[test]
    fn no_common_name_or_several_are_refused() {
        let none = certificate(name(&[(&[0x55, 0x04, 0x0a], 0x0c, b"Org")]), true);
        assert!(common_name(&none)
            .expect_err("none")
            .contains("no common name"));
        let two = certificate(
            name(&[(COMMON_NAME, 0x0c, b"a"), (COMMON_NAME, 0x0c, b"b")]),
            true,
        );
        assert!(common_name(&two)
            .expect_err("two")
            .contains("2 common names"));
    }

    #[test]
    fn truncated_or_garbage_input_is_an_error_not_a_panic() {
        let der = certificate(name(&[(COMMON_NAME, 0x0c, b"node")]), true);
        for cut in 0..der.len() {
            let _ = common_name(&der[..cut]);
        }
        assert!(common_name(&der[..40]).is_err());
        assert!(common_name(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).is_err());
        assert!(common_name(&[0x1f, 0x01]).is_err());
        assert!(common_name(b"").is_err());
    }
}
