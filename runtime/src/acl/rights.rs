//! The rights an ACL action grants and a check asks for, as a bit set over the letters of the
//! original's permission strings: `r` read, `w` write, `c` create, `d` delete, `m` modify
//! (manage), `s` search, `x` execute. A check passes an action only when the action holds
//! every asked right (the original compared the letter sets the same way).

use std::fmt;

use crate::Error;

/// The letters, in the order they are printed.
const LETTERS: [(char, u8); 7] = [
    ('r', 1),
    ('w', 1 << 1),
    ('c', 1 << 2),
    ('d', 1 << 3),
    ('m', 1 << 4),
    ('s', 1 << 5),
    ('x', 1 << 6),
];

/// A set of rights (`rwx`, `cdm`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Rights(u8);

impl Rights {
    /// Read.
    pub const READ: Rights = Rights(1);
    /// Write.
    pub const WRITE: Rights = Rights(1 << 1);
    /// Create.
    pub const CREATE: Rights = Rights(1 << 2);
    /// Delete.
    pub const DELETE: Rights = Rights(1 << 3);
    /// Modify / manage.
    pub const MODIFY: Rights = Rights(1 << 4);
    /// Search (or be found).
    pub const SEARCH: Rights = Rights(1 << 5);
    /// Execute.
    pub const EXECUTE: Rights = Rights(1 << 6);

    /// Parses a permission string such as `rwx`; `what` names the place for the error. An
    /// empty string or a letter outside `rwcdmsx` is refused.
    pub fn parse(text: &str, what: &str) -> Result<Rights, Error> {
        let mut bits = 0u8;
        for ch in text.chars() {
            match LETTERS.iter().find(|(letter, _)| *letter == ch) {
                Some((_, bit)) => bits |= bit,
                None => {
                    return Err(Error::acl(
                        what,
                        format!(
                            "invalid right {ch:?} in {text:?}: rights are letters of \"rwcdmsx\""
                        ),
                    ))
                }
            }
        }
        if bits == 0 {
            return Err(Error::acl(
                what,
                "no rights given: expected letters of \"rwcdmsx\"",
            ));
        }
        Ok(Rights(bits))
    }

    /// True when every right of `asked` is in `self`.
    pub fn contains(self, asked: Rights) -> bool {
        self.0 & asked.0 == asked.0
    }

    /// The union.
    pub fn union(self, other: Rights) -> Rights {
        Rights(self.0 | other.0)
    }

    /// The union, in constant contexts.
    pub const fn union_const(self, other: Rights) -> Rights {
        Rights(self.0 | other.0)
    }

    /// True when the two sets share a right.
    pub fn intersects(self, other: Rights) -> bool {
        self.0 & other.0 != 0
    }

    /// The raw bits (cache keys).
    pub fn bits(self) -> u8 {
        self.0
    }

    /// True when no right is set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl fmt::Display for Rights {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (letter, bit) in LETTERS {
            if self.0 & bit != 0 {
                write!(f, "{letter}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_reads_every_letter_and_prints_them_in_order() {
        let rights = Rights::parse("xsmdcwr", "t").unwrap();
        assert_eq!(rights.to_string(), "rwcdmsx");
        assert!(rights.contains(Rights::EXECUTE.union(Rights::READ)));
    }

    #[test]
    fn each_letter_is_its_own_constant_with_its_own_bit() {
        let named = [
            ("r", Rights::READ),
            ("w", Rights::WRITE),
            ("c", Rights::CREATE),
            ("d", Rights::DELETE),
            ("m", Rights::MODIFY),
            ("s", Rights::SEARCH),
            ("x", Rights::EXECUTE),
        ];
        let mut seen = Rights::default();
        assert!(seen.is_empty());
        for (letter, right) in named {
            assert_eq!(Rights::parse(letter, "t").unwrap(), right, "{letter}");
            assert_eq!(right.bits().count_ones(), 1, "{letter}");
            assert!(!seen.intersects(right), "{letter} shares a bit");
            seen = seen.union(right);
            assert!(seen.intersects(right) && !seen.is_empty());
        }
        assert_eq!(seen.bits(), 0x7f);
        assert_eq!(
            seen.union(Rights::READ),
            seen,
            "a right held twice is held once"
        );
        assert_eq!(Rights::READ.union_const(Rights::READ), Rights::READ);
        assert_eq!(
            Rights::READ.union_const(Rights::WRITE),
            Rights::parse("rw", "t").unwrap()
        );
    }

    #[test]
    fn an_action_without_one_asked_right_does_not_contain_the_set() {
        let held = Rights::parse("rw", "t").unwrap();
        assert!(held.contains(Rights::READ));
        assert!(!held.contains(Rights::parse("rx", "t").unwrap()));
    }

    #[test]
    fn unknown_letters_and_empty_strings_are_refused_naming_the_place() {
        let err = Rights::parse("rq", "acl.actions[0].acls").unwrap_err();
        assert!(err.to_string().contains("acl.actions[0].acls"), "{err}");
        assert!(err.to_string().contains("'q'"), "{err}");
        assert!(Rights::parse("", "t").is_err());
    }
}
