//! `Equals`, `Greater` and `Smaller`: comparisons of every value with the parameter. As in
//! the original, the first value that fails decides, and numbers may come as text.

use crate::value::Value;

/// Every value equals `expected` (ignoring case when asked).
pub(super) fn equals(values: &[Value], expected: &str, ignore_case: bool) -> Result<(), String> {
    for (i, v) in values.iter().enumerate() {
        let v = v.to_text();
        let same = if ignore_case {
            v.to_lowercase() == expected.to_lowercase()
        } else {
            v == expected
        };
        if !same {
            return Err(format!(
                "value {} ('{v}') does not match '{expected}'",
                i + 1
            ));
        }
    }
    Ok(())
}

/// Every value is a number greater than `bound`.
pub(super) fn greater(values: &[Value], bound: i64) -> Result<(), String> {
    for v in values {
        if v.as_whole_number()? <= bound {
            return Err(format!("value needs to be greater than {bound}"));
        }
    }
    Ok(())
}

/// Every value is a number smaller than `bound`.
pub(super) fn smaller(values: &[Value], bound: i64) -> Result<(), String> {
    for v in values {
        if v.as_whole_number()? >= bound {
            return Err(format!("value needs to be smaller than {bound}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equals_compares_every_value() {
        let v = [Value::text("a"), Value::text("a")];
        assert!(equals(&v, "a", false).is_ok());
        let v = [Value::text("a"), Value::text("A")];
        assert!(equals(&v, "a", false).is_err());
        assert!(equals(&v, "a", true).is_ok());
    }

    #[test]
    fn smaller_is_the_posix_id_limit() {
        // user-posix.xml: uidNumber must be Smaller than 65500.
        assert!(smaller(&[Value::Integer(65499)], 65500).is_ok());
        assert_eq!(
            smaller(&[Value::Integer(65500)], 65500),
            Err("value needs to be smaller than 65500".into())
        );
    }

    #[test]
    fn greater_reads_numbers_given_as_text() {
        assert!(greater(&[Value::text("11")], 10).is_ok());
        assert!(greater(&[Value::text("10")], 10).is_err());
        assert_eq!(
            greater(&[Value::text("ten")], 10),
            Err("'ten' is not a whole number".into())
        );
    }

    #[test]
    fn empty_value_lists_pass() {
        assert!(smaller(&[], 1).is_ok());
        assert!(equals(&[], "x", false).is_ok());
    }
}
