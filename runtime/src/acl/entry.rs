//! One ACL entry and its parts: the scope, the members, the actions (topic pattern, rights,
//! options) or the role it uses. Entries on a base and entries of a role are the same type;
//! a role's entries have no members (the entry that uses the role names them).

use serde_json::{Map, Value};
use std::collections::BTreeMap;

use super::{Pattern, Rights};

/// How far down the tree an entry on a base reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// The base itself only.
    One,
    /// The base and everything below it, unless a `reset` below cuts it off.
    Sub,
    /// The base and everything below it; a `reset` cannot cut it off.
    Psub,
    /// Revokes what matching `sub` and `one` entries above would grant, here and below.
    Reset,
}

impl Scope {
    /// Reads `one`, `sub`, `psub` or `reset`.
    pub fn parse(text: &str) -> Option<Scope> {
        match text {
            "one" => Some(Scope::One),
            "sub" => Some(Scope::Sub),
            "psub" => Some(Scope::Psub),
            "reset" => Some(Scope::Reset),
            _ => None,
        }
    }

    /// The file form.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::One => "one",
            Scope::Sub => "sub",
            Scope::Psub => "psub",
            Scope::Reset => "reset",
        }
    }
}

/// How one option of an action is matched against the call's argument of that name.
#[derive(Debug, Clone, PartialEq)]
pub enum OptionRule {
    /// A string option is a pattern over the argument's text (strings as they are, numbers
    /// and booleans as JSON).
    Pattern(Pattern),
    /// Any other option must equal the argument.
    Equals(Value),
}

impl OptionRule {
    /// True when `arg` satisfies the rule.
    pub fn matches(&self, arg: &Value) -> bool {
        match self {
            OptionRule::Pattern(p) => match arg {
                Value::String(s) => p.matches(s),
                Value::Number(_) | Value::Bool(_) => p.matches(&arg.to_string()),
                _ => false,
            },
            OptionRule::Equals(v) => v == arg,
        }
    }

    /// The file form.
    pub fn to_json(&self) -> Value {
        match self {
            OptionRule::Pattern(p) => Value::String(p.source().to_owned()),
            OptionRule::Equals(v) => v.clone(),
        }
    }
}

/// A topic pattern, the rights it grants and the options the call's arguments must meet.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    /// Which topics (`^org\.clacks\.command\.core\.ping$`).
    pub topic: Pattern,
    /// The rights granted on them.
    pub rights: Rights,
    /// Argument name → rule; every one must hold (an absent argument fails its rule).
    pub options: BTreeMap<String, OptionRule>,
}

impl Action {
    /// True when this action grants every right of `rights` on `topic` for these arguments.
    pub fn grants(&self, topic: &str, rights: Rights, args: &Map<String, Value>) -> bool {
        self.rights.contains(rights)
            && self.topic.matches(topic)
            && self
                .options
                .iter()
                .all(|(name, rule)| args.get(name).is_some_and(|arg| rule.matches(arg)))
    }
}

/// Who an entry applies to.
#[derive(Debug, Clone, PartialEq)]
pub enum Member {
    /// A pattern over user names (`^user[0-9]*$`).
    User(Pattern),
    /// `%NAME`: every user the node's `[acl.groups]` lists under NAME.
    Group(String),
}

impl Member {
    /// Reads a member string: `%NAME` is a group, anything else a user pattern.
    pub fn parse(text: &str, what: &str) -> Result<Member, crate::Error> {
        match text.strip_prefix('%') {
            Some(group) if !group.is_empty() => Ok(Member::Group(group.to_owned())),
            _ => Pattern::new(text, what).map(Member::User),
        }
    }

    /// The file form.
    pub fn source(&self) -> String {
        match self {
            Member::User(p) => p.source().to_owned(),
            Member::Group(g) => format!("%{g}"),
        }
    }
}

/// What an entry grants: actions under a scope, or whatever a role's entries grant.
#[derive(Debug, Clone, PartialEq)]
pub enum Grant {
    /// Direct actions.
    Actions {
        /// The scope.
        scope: Scope,
        /// The actions.
        actions: Vec<Action>,
    },
    /// The named role (its entries carry the scopes).
    Role(String),
}

/// One ACL entry (on a base) or role entry (in a role, with no members).
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Unique across the whole set (bases and roles): what `acl.remove` takes and a decision
    /// names.
    pub id: u64,
    /// -100 (first) to 100 (last); ties keep their order of addition.
    pub priority: i32,
    /// Who it applies to (empty in role entries).
    pub members: Vec<Member>,
    /// What it grants.
    pub grant: Grant,
}

/// The id an entry carries before it is added: the set then gives it the next free one.
pub const NEW_ID: u64 = u64::MAX;

/// The lowest (first consulted) priority.
pub const PRIORITY_MIN: i32 = -100;
/// The highest (last consulted) priority.
pub const PRIORITY_MAX: i32 = 100;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_pattern_option_matches_numbers_and_booleans_by_their_json_text() {
        let rule = OptionRule::Pattern(Pattern::new("^(1|true)$", "t").unwrap());
        assert!(rule.matches(&json!(1)));
        assert!(rule.matches(&json!(true)));
        assert!(rule.matches(&json!("1")));
        assert!(!rule.matches(&json!(2)));
        assert!(
            !rule.matches(&json!([1])),
            "lists and objects never match a pattern"
        );
    }

    #[test]
    fn a_lone_percent_sign_is_a_user_pattern_not_an_empty_group() {
        assert_eq!(
            Member::parse("%ops", "t").unwrap(),
            Member::Group("ops".into())
        );
        assert!(matches!(Member::parse("%", "t").unwrap(), Member::User(_)));
    }

    fn action(options: BTreeMap<String, OptionRule>) -> Action {
        Action {
            topic: Pattern::new(r"^org\.clacks\.command\.objects\.update$", "t").unwrap(),
            rights: Rights::parse("x", "t").unwrap(),
            options,
        }
    }

    #[test]
    fn an_action_grants_only_when_every_option_matches_an_argument() {
        let mut options = BTreeMap::new();
        options.insert(
            "type".to_owned(),
            OptionRule::Pattern(Pattern::new("^User$", "t").unwrap()),
        );
        options.insert("depth".to_owned(), OptionRule::Equals(json!(1)));
        let a = action(options);
        let topic = "org.clacks.command.objects.update";
        let ok = json!({"type": "User", "depth": 1});
        assert!(a.grants(topic, Rights::EXECUTE, ok.as_object().unwrap()));
        let wrong = json!({"type": "Group", "depth": 1});
        assert!(!a.grants(topic, Rights::EXECUTE, wrong.as_object().unwrap()));
        let missing = json!({"type": "User"});
        assert!(!a.grants(topic, Rights::EXECUTE, missing.as_object().unwrap()));
    }

    #[test]
    fn an_action_without_the_asked_right_or_topic_grants_nothing() {
        let a = action(BTreeMap::new());
        let none = Map::new();
        assert!(!a.grants("org.clacks.command.objects.update", Rights::READ, &none));
        assert!(!a.grants("org.clacks.command.core.ping", Rights::EXECUTE, &none));
    }

    #[test]
    fn percent_names_a_group_and_anything_else_a_user_pattern() {
        assert_eq!(
            Member::parse("%ops", "t").unwrap(),
            Member::Group("ops".into())
        );
        assert!(matches!(
            Member::parse("^u.*$", "t").unwrap(),
            Member::User(_)
        ));
        assert_eq!(Member::parse("%ops", "t").unwrap().source(), "%ops");
    }
}
