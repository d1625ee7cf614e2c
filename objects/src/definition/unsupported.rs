//! Features of the original that this crate deliberately does not support. A definition
//! using one fails to load with a located message saying "unsupported" and why; the README
//! lists the same entries ([`ALL`]).

/// What kind of name an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    /// A filter name.
    Filter,
    /// A condition name.
    Condition,
    /// An attribute type.
    Type,
    /// A method's command parameter.
    CommandParameter,
}

impl Feature {
    /// The word messages use.
    pub fn word(self) -> &'static str {
        match self {
            Feature::Filter => "filter",
            Feature::Condition => "condition",
            Feature::Type => "type",
            Feature::CommandParameter => "command parameter",
        }
    }
}

const SAMBA: &str =
    "the original's Samba plugin is not carried over (Samba accounts are out of scope)";
const GOTO: &str = "the original's GOto plugin filters are not carried over (device status lives in the clients issue)";

/// Every unsupported feature: kind, name, reason.
pub const ALL: &[(Feature, &str, &str)] = &[
    (Feature::Filter, "SambaHash", SAMBA),
    (Feature::Filter, "SambaDollarFilterIn", SAMBA),
    (Feature::Filter, "SambaDollarFilterOut", SAMBA),
    (Feature::Filter, "SambaAcctFlagsIn", SAMBA),
    (Feature::Filter, "SambaAcctFlagsOut", SAMBA),
    (Feature::Filter, "SambaMungedDialIn", SAMBA),
    (Feature::Filter, "SambaMungedDialOut", SAMBA),
    (Feature::Filter, "DetectSambaDomainFromSID", SAMBA),
    (Feature::Filter, "GenerateSambaSid", SAMBA),
    (Feature::Filter, "registeredDeviceStatusIn", GOTO),
    (Feature::Filter, "registeredDeviceStatusOut", GOTO),
    (Feature::Condition, "IsValidSambaDomainName", SAMBA),
    (Feature::Condition, "CheckSambaSIDList", SAMBA),
    (Feature::Type, "SambaLogonHours", SAMBA),
    (Feature::Type, "DevicePartitionTableType", GOTO),
    (
        Feature::CommandParameter,
        "__self__",
        "commands get values, not the live object (`dn` names it)",
    ),
];

/// The message for an unsupported `name` of `kind`, if it is one.
pub fn message(kind: Feature, name: &str) -> Option<String> {
    ALL.iter()
        .find(|(k, n, _)| *k == kind && *n == name)
        .map(|(k, n, why)| format!("{} '{n}' is unsupported: {why}", k.word()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_unsupported_names_say_so() {
        let m = message(Feature::Filter, "SambaHash");
        assert!(m.is_some_and(|m| m.starts_with("filter 'SambaHash' is unsupported: ")));
        assert_eq!(message(Feature::Condition, "SambaHash"), None);
        assert_eq!(message(Feature::Filter, "Bogus"), None);
    }
}
