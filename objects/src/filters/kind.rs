//! The filter registry: [`FilterKind`], every filter this crate implements under the name
//! definitions use (the original's filter class names), with its parameters and what it does.

/// The filters this crate implements, named as definitions name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // each variant is documented by `FilterKind::describe`
pub enum FilterKind {
    ConcatString,
    JoinArray,
    SplitString,
    Replace,
    StringToTime,
    StringToDate,
    DateToString,
    TimeToString,
    StringToDatetime,
    DatetimeToString,
    IntegerToDatetime,
    DatetimeToInteger,
    ShadowDaysToDatetime,
    DatetimeToShadowDays,
    Target,
    SetBackends,
    AddBackend,
    SetValue,
    Clear,
    GenerateIDs,
    GetNextID,
    GenerateGecos,
    LoadGecosState,
    GenerateDisplayName,
    LoadDisplayNameState,
    DetectPasswordMethod,
    DetectAccountLockStatus,
    ImageProcessor,
}

/// Every filter, for listing.
pub const ALL_FILTERS: [FilterKind; 28] = [
    FilterKind::ConcatString,
    FilterKind::JoinArray,
    FilterKind::SplitString,
    FilterKind::Replace,
    FilterKind::StringToTime,
    FilterKind::StringToDate,
    FilterKind::DateToString,
    FilterKind::TimeToString,
    FilterKind::StringToDatetime,
    FilterKind::DatetimeToString,
    FilterKind::IntegerToDatetime,
    FilterKind::DatetimeToInteger,
    FilterKind::ShadowDaysToDatetime,
    FilterKind::DatetimeToShadowDays,
    FilterKind::Target,
    FilterKind::SetBackends,
    FilterKind::AddBackend,
    FilterKind::SetValue,
    FilterKind::Clear,
    FilterKind::GenerateIDs,
    FilterKind::GetNextID,
    FilterKind::GenerateGecos,
    FilterKind::LoadGecosState,
    FilterKind::GenerateDisplayName,
    FilterKind::LoadDisplayNameState,
    FilterKind::DetectPasswordMethod,
    FilterKind::DetectAccountLockStatus,
    FilterKind::ImageProcessor,
];

impl FilterKind {
    /// The name definitions use.
    pub fn name(self) -> &'static str {
        self.describe().0
    }

    /// What the filter does, with its parameters.
    pub fn summary(self) -> &'static str {
        self.describe().1
    }

    fn describe(self) -> (&'static str, &'static str) {
        match self {
            FilterKind::ConcatString => (
                "ConcatString",
                "(appstr, position): prepend ('left') or append ('right') appstr to every value",
            ),
            FilterKind::JoinArray => ("JoinArray", "(glue=', '): join the values into one"),
            FilterKind::SplitString => (
                "SplitString",
                "(glue=', '): split the first value into several, dropping empty parts",
            ),
            FilterKind::Replace => (
                "Replace",
                "(regex, replacement): regular-expression substitution on every value",
            ),
            FilterKind::StringToTime => (
                "StringToTime",
                "(fmt='%Y%m%d%H%M%SZ'): parse text into timestamps",
            ),
            FilterKind::StringToDate => (
                "StringToDate",
                "(fmt='%Y%m%d%H%M%SZ'): parse text into dates",
            ),
            FilterKind::DateToString => (
                "DateToString",
                "(fmt='%Y%m%d%H%M%SZ'): format dates and timestamps as text",
            ),
            FilterKind::TimeToString => (
                "TimeToString",
                "(fmt='%Y%m%d%H%M%SZ'): format timestamps as text",
            ),
            FilterKind::StringToDatetime => (
                "StringToDatetime",
                "(fmt): parse text into timestamps; backend type Timestamp",
            ),
            FilterKind::DatetimeToString => (
                "DatetimeToString",
                "(fmt): format timestamps as text; backend type String",
            ),
            FilterKind::IntegerToDatetime => (
                "IntegerToDatetime",
                "(): epoch seconds to timestamps; backend type Timestamp",
            ),
            FilterKind::DatetimeToInteger => (
                "DatetimeToInteger",
                "(): timestamps to epoch seconds; backend type Integer",
            ),
            FilterKind::ShadowDaysToDatetime => (
                "ShadowDaysToDatetime",
                "(): days since 1970-01-01 to timestamps",
            ),
            FilterKind::DatetimeToShadowDays => (
                "DatetimeToShadowDays",
                "(): timestamps to days since 1970-01-01",
            ),
            FilterKind::Target => ("Target", "(name): rename the attribute"),
            FilterKind::SetBackends => (
                "SetBackends",
                "(backend…): write the attribute to these backends",
            ),
            FilterKind::AddBackend => (
                "AddBackend",
                "(backend): also write the attribute to this backend",
            ),
            FilterKind::SetValue => ("SetValue", "(value): set the value"),
            FilterKind::Clear => (
                "Clear",
                "(): clear the value (one empty text for text attributes)",
            ),
            FilterKind::GenerateIDs => (
                "GenerateIDs",
                "(maxGid=65500, maxUid=65500): fill empty uidNumber/gidNumber from the ID pools",
            ),
            FilterKind::GetNextID => (
                "GetNextID",
                "(attributeName='uidNumber', maxValue=65500): replace -1 by the pool's next ID",
            ),
            FilterKind::GenerateGecos => (
                "GenerateGecos",
                "(): when autoGECOS is true, gecos = 'sn givenName,ou,telephoneNumber,homePhone'",
            ),
            FilterKind::LoadGecosState => (
                "LoadGecosState",
                "(): autoGECOS is true when gecos is empty or equals the generated one",
            ),
            FilterKind::GenerateDisplayName => (
                "GenerateDisplayName",
                "(): when autoDisplayName is true, displayName = 'givenName sn'",
            ),
            FilterKind::LoadDisplayNameState => (
                "LoadDisplayNameState",
                "(): autoDisplayName is true when displayName is empty or equals the generated one",
            ),
            FilterKind::DetectPasswordMethod => (
                "DetectPasswordMethod",
                "(): the method of the stored userPassword hash",
            ),
            FilterKind::DetectAccountLockStatus => (
                "DetectAccountLockStatus",
                "(): whether the stored userPassword hash is locked",
            ),
            FilterKind::ImageProcessor => (
                "ImageProcessor",
                "(size…): square JPEG renditions of PNG/JPEG values at each size",
            ),
        }
    }

    /// The filter a name stands for.
    pub fn from_name(name: &str) -> Option<FilterKind> {
        ALL_FILTERS.into_iter().find(|f| f.name() == name)
    }

    /// How many parameters it takes: at least, at most (`None`: any number).
    pub(super) fn arity(self) -> (usize, Option<usize>) {
        use FilterKind::*;
        match self {
            ConcatString | Replace => (2, Some(2)),
            JoinArray | SplitString | StringToTime | StringToDate | DateToString | TimeToString => {
                (0, Some(1))
            }
            StringToDatetime | DatetimeToString | Target | AddBackend | SetValue => (1, Some(1)),
            IntegerToDatetime
            | DatetimeToInteger
            | ShadowDaysToDatetime
            | DatetimeToShadowDays
            | Clear
            | GenerateGecos
            | LoadGecosState
            | GenerateDisplayName
            | LoadDisplayNameState
            | DetectPasswordMethod
            | DetectAccountLockStatus => (0, Some(0)),
            GenerateIDs | GetNextID => (0, Some(2)),
            SetBackends | ImageProcessor => (1, None),
        }
    }

    /// Whether the filter's parameters name backends (checked by the definition loader).
    pub fn takes_backends(self) -> bool {
        matches!(self, FilterKind::SetBackends | FilterKind::AddBackend)
    }
}
