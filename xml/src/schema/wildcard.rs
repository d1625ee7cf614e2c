//! Wildcards (`xs:any`, `xs:anyAttribute`): which namespaces they admit and how strictly what
//! they admit is validated. Content models and the schema model both use them.

/// `xs:any` / `xs:anyAttribute`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Wildcard {
    pub(crate) namespaces: NsConstraint,
    pub(crate) process: Process,
}

impl Wildcard {
    pub(crate) fn allows(&self, ns: &str) -> bool {
        match &self.namespaces {
            NsConstraint::Any => true,
            NsConstraint::Not(list) => !list.iter().any(|n| &**n == ns),
            NsConstraint::Only(list) => list.iter().any(|n| &**n == ns),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NsConstraint {
    Any,
    /// `##other`: anything but these (the target namespace and "no namespace").
    Not(Vec<Box<str>>),
    Only(Vec<Box<str>>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Process {
    Strict,
    Lax,
    Skip,
}
