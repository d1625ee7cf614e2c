//! Object-level authorisation: [`ObjectAccess`], the one interface the object RPC asks
//! before it reads or writes (the ACL issue implements it from the ACL model: topics
//! `D.objects.TYPE` with rights c, d, m and `D.objects.TYPE.attributes.ATTR` with r, w).
//! [`AllowAll`] allows everything, until then.

/// What a caller does to an object as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `objects.create` (right c).
    Create,
    /// `objects.update` (right m).
    Modify,
    /// `objects.move` (right m).
    Move,
    /// `objects.remove` (right d).
    Remove,
}

impl Action {
    /// The action's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Modify => "modify",
            Action::Move => "move",
            Action::Remove => "remove",
        }
    }
}

/// Who may do what to which objects and attributes. `caller` is the identity the transport
/// vouches for (`CallContext::caller`).
pub trait ObjectAccess: Send + Sync {
    /// Whether `caller` may do `action` to an object of `object_type`.
    fn may(&self, caller: &str, object_type: &str, action: Action) -> bool;
    /// Whether `caller` may read `attribute` of objects of `object_type`.
    fn may_read(&self, caller: &str, object_type: &str, attribute: &str) -> bool;
    /// Whether `caller` may write `attribute` of objects of `object_type`.
    fn may_write(&self, caller: &str, object_type: &str, attribute: &str) -> bool;
    /// Whether `objects.search` may show `caller` the object `dn` of `object_type` at all
    /// (the search drops it otherwise; what it shows of it is up to [`may_read`](Self::may_read)).
    /// Everything, unless an implementation says otherwise.
    fn may_find(&self, caller: &str, object_type: &str, dn: &str) -> bool {
        let _ = (caller, object_type, dn);
        true
    }
}

/// Allows everything (until the ACL issue).
#[derive(Debug, Clone, Copy, Default)]
pub struct AllowAll;

impl ObjectAccess for AllowAll {
    fn may(&self, _: &str, _: &str, _: Action) -> bool {
        true
    }
    fn may_read(&self, _: &str, _: &str, _: &str) -> bool {
        true
    }
    fn may_write(&self, _: &str, _: &str, _: &str) -> bool {
        true
    }
}
