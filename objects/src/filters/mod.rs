//! Filters: the steps of in-filter chains (backend values → object values, run when an object
//! is read) and out-filter chains (object values → backend values, run when it is written).
//!
//! A definition names a filter (`<Filter><Name>ConcatString</Name><Param>…</Param>`); the
//! names are the original's filter classes ([`FilterKind`]). [`FilterCall::new`] checks the
//! parameters when the definition loads. A filter runs on the whole working set ([`Props`])
//! for one attribute (the *key*): it may change that attribute's values, backends or backend
//! type, other attributes' values (`GenerateGecos` writes `gecos`), or rename the key
//! (`Target`). Before a filter runs, `%(name)s` placeholders in its parameters are filled
//! with the object's values (`placeholder`). A [`FilterChain`] is a list of filters and
//! choices; a choice runs its filter chains when its condition chain passes on the key's
//! values, its `Else` chains otherwise.
//!
//! Layout: `kind` (the filter names, their parameters and what they do), `placeholder`
//! (parameter fill-in), `chain` (chains, choices, running them),
//! `text` (ConcatString, JoinArray, SplitString, Replace), `dates` (date, time, timestamp
//! and shadow-day conversions), `attribute` (Target, SetBackends, AddBackend, SetValue,
//! Clear), `posix` (GenerateIDs, GetNextID, GenerateGecos, LoadGecosState), `display_name`
//! (GenerateDisplayName, LoadDisplayNameState), `password` (DetectPasswordMethod,
//! DetectAccountLockStatus), `image` (ImageProcessor).

mod attribute;
mod chain;
mod dates;
mod display_name;
mod generated;
mod image;
mod kind;
mod password;
mod placeholder;
mod posix;
mod text;

pub use chain::{FilterChain, FilterEntry, When};
pub use image::Rendition;
pub use kind::{FilterKind, ALL_FILTERS};

use crate::directory::Directory;
use crate::error::{Error, ErrorKind, Result};
use crate::props::{Prop, Props};

/// One filter with its parameters, checked at load.
#[derive(Debug, Clone)]
pub struct FilterCall {
    kind: FilterKind,
    params: Vec<String>,
    line: u32,
}

impl FilterCall {
    /// Checks `params` for `kind`: their number, and those that must be numbers, formats or
    /// patterns (unless they hold `%(name)s` placeholders, known only when the filter runs).
    pub fn new(kind: FilterKind, params: Vec<String>, line: u32) -> Result<Self, String> {
        let (min, max) = kind.arity();
        if params.len() < min || max.is_some_and(|m| params.len() > m) {
            let wanted = match max {
                Some(m) if m == min => format!("{min}"),
                Some(m) => format!("{min} to {m}"),
                None => format!("at least {min}"),
            };
            return Err(format!(
                "filter '{}' takes {wanted} parameter(s), {} given",
                kind.name(),
                params.len()
            ));
        }
        for (i, p) in params.iter().enumerate() {
            if placeholder::has_placeholders(p) {
                continue;
            }
            let p = placeholder::unescape(p);
            check_param(kind, i, &p).map_err(|e| {
                format!("filter '{}': parameter {} ('{p}') {e}", kind.name(), i + 1)
            })?;
        }
        Ok(FilterCall { kind, params, line })
    }

    /// Which filter.
    pub fn kind(&self) -> FilterKind {
        self.kind
    }

    /// Its parameters as written.
    pub fn params(&self) -> &[String] {
        &self.params
    }

    /// The definition line it was written on.
    pub fn line(&self) -> u32 {
        self.line
    }

    /// Runs the filter for attribute `key` (which it may rename) on `props`.
    pub fn run(&self, key: &mut String, props: &mut Props, env: &mut FilterEnv<'_>) -> Result<()> {
        let params: Vec<String> = self
            .params
            .iter()
            .map(|p| placeholder::fill(p, props))
            .collect();
        let result = dispatch(self.kind, key, props, &params, env);
        result.map_err(|e| {
            Error::new(
                ErrorKind::Filter,
                format!("filter '{}' on '{key}': {e}", self.kind.name()),
            )
            .at(self.line)
        })
    }
}

/// Static parameter checks, by filter and position.
fn check_param(kind: FilterKind, index: usize, p: &str) -> Result<(), String> {
    use FilterKind::*;
    match (kind, index) {
        (ConcatString, 1) if !matches!(p, "left" | "right") => {
            Err("must be 'left' or 'right'".into())
        }
        (Replace, 0) => crate::pyre::compile_search(p)
            .map(|_| ())
            .map_err(|e| format!("does not compile: {e}")),
        (
            StringToTime | StringToDate | DateToString | TimeToString | StringToDatetime
            | DatetimeToString,
            0,
        ) => dates::check_format(p),
        (GenerateIDs, _) | (GetNextID, 1) => p
            .trim()
            .parse::<i64>()
            .map(|_| ())
            .map_err(|_| "must be a whole number".into()),
        (ImageProcessor, _) => match p.trim().parse::<u32>() {
            Ok(n) if (1..=4096).contains(&n) => Ok(()),
            _ => Err("must be a size in pixels from 1 to 4096".into()),
        },
        _ => Ok(()),
    }
}

/// What filters may use besides the values: the directory (ID pools) and a place to put
/// image renditions.
pub struct FilterEnv<'a> {
    /// The directory filters ask (`GenerateIDs`).
    pub directory: &'a dyn Directory,
    /// Whether `ImageProcessor` makes renditions: when writing, not when reading (the stored
    /// renditions were made when the image was written; the original's cache did the same).
    pub make_renditions: bool,
    /// Renditions `ImageProcessor` made, for the backends issue to store.
    pub renditions: Vec<Rendition>,
}

impl<'a> FilterEnv<'a> {
    /// An environment for writing over `directory`, with no renditions yet.
    pub fn new(directory: &'a dyn Directory) -> Self {
        FilterEnv {
            directory,
            make_renditions: true,
            renditions: Vec::new(),
        }
    }

    /// An environment for reading (in-filters): no renditions are made.
    pub fn reading(directory: &'a dyn Directory) -> Self {
        FilterEnv {
            make_renditions: false,
            ..FilterEnv::new(directory)
        }
    }
}

/// The working-set entry of the attribute a filter runs for.
fn key_prop<'p>(props: &'p mut Props, key: &str) -> Result<&'p mut Prop, String> {
    props
        .get_mut(key)
        .ok_or_else(|| format!("attribute '{key}' is not in the object"))
}

fn param(params: &[String], i: usize, default: &str) -> String {
    params
        .get(i)
        .cloned()
        .unwrap_or_else(|| default.to_string())
}

fn dispatch(
    kind: FilterKind,
    key: &mut String,
    props: &mut Props,
    params: &[String],
    env: &mut FilterEnv<'_>,
) -> Result<(), String> {
    use FilterKind::*;
    const LDAP_TIME: &str = "%Y%m%d%H%M%SZ";
    match kind {
        ConcatString => text::concat(
            key_prop(props, key)?,
            &param(params, 0, ""),
            &param(params, 1, "left"),
        ),
        JoinArray => text::join(key_prop(props, key)?, &param(params, 0, ", ")),
        SplitString => text::split(key_prop(props, key)?, &param(params, 0, ", ")),
        Replace => text::replace(
            key_prop(props, key)?,
            &param(params, 0, ""),
            &param(params, 1, ""),
        ),
        StringToTime => {
            dates::parse_timestamps(key_prop(props, key)?, &param(params, 0, LDAP_TIME), false)
        }
        StringToDate => dates::parse_dates(key_prop(props, key)?, &param(params, 0, LDAP_TIME)),
        DateToString | TimeToString => {
            dates::format(key_prop(props, key)?, &param(params, 0, LDAP_TIME), false)
        }
        StringToDatetime => {
            dates::parse_timestamps(key_prop(props, key)?, &param(params, 0, ""), true)
        }
        DatetimeToString => dates::format(key_prop(props, key)?, &param(params, 0, ""), true),
        IntegerToDatetime => dates::from_epoch(key_prop(props, key)?),
        DatetimeToInteger => dates::to_epoch(key_prop(props, key)?),
        ShadowDaysToDatetime => dates::from_shadow_days(key_prop(props, key)?),
        DatetimeToShadowDays => dates::to_shadow_days(key_prop(props, key)?),
        Target => attribute::target(key, props, &param(params, 0, "")),
        SetBackends => attribute::set_backends(key_prop(props, key)?, params),
        AddBackend => attribute::add_backend(key_prop(props, key)?, &param(params, 0, "")),
        SetValue => attribute::set_value(key_prop(props, key)?, &param(params, 0, "")),
        Clear => attribute::clear(key_prop(props, key)?),
        GenerateIDs => posix::generate_ids(
            props,
            &param(params, 0, "65500"),
            &param(params, 1, "65500"),
            env.directory,
        ),
        GetNextID => posix::next_id(
            key_prop(props, key)?,
            &param(params, 0, "uidNumber"),
            &param(params, 1, "65500"),
            env.directory,
        ),
        GenerateGecos => posix::generate_gecos(props),
        LoadGecosState => posix::load_gecos_state(key, props),
        GenerateDisplayName => display_name::generate(props),
        LoadDisplayNameState => display_name::load_state(key, props),
        DetectPasswordMethod => password::detect_method(key, props),
        DetectAccountLockStatus => password::detect_lock(key, props),
        ImageProcessor => {
            let out = env.make_renditions.then_some(&mut env.renditions);
            image::process(key, key_prop(props, key)?, params, out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::AttrType;
    use crate::value::Value;

    #[test]
    fn names_round_trip() {
        for f in ALL_FILTERS {
            assert_eq!(FilterKind::from_name(f.name()), Some(f));
            assert!(!f.summary().is_empty());
        }
        assert_eq!(FilterKind::from_name("SambaHash"), None);
    }

    #[test]
    fn parameter_count_is_checked_at_load() {
        let e = FilterCall::new(FilterKind::ConcatString, vec!["x".into()], 1).err();
        assert_eq!(
            e.as_deref(),
            Some("filter 'ConcatString' takes 2 parameter(s), 1 given")
        );
        assert!(FilterCall::new(FilterKind::ImageProcessor, vec![], 1).is_err());
    }

    #[test]
    fn bad_static_parameters_are_refused_at_load() {
        let concat = FilterCall::new(
            FilterKind::ConcatString,
            vec!["x".into(), "middle".into()],
            1,
        );
        assert!(concat.is_err());
        let ids = FilterCall::new(FilterKind::GenerateIDs, vec!["many".into()], 1);
        assert!(ids.is_err());
        let size = FilterCall::new(FilterKind::ImageProcessor, vec!["0".into()], 1);
        assert!(size.is_err());
        let fmt = FilterCall::new(FilterKind::DatetimeToString, vec!["%%Y-%%Q".into()], 1);
        assert!(fmt.is_err());
    }

    #[test]
    fn placeholder_parameters_are_checked_when_run() {
        let c = FilterCall::new(
            FilterKind::ConcatString,
            vec!["%(givenName)s %(sn)s".into(), "left".into()],
            1,
        );
        assert!(c.is_ok());
    }

    fn run(
        kind: FilterKind,
        params: &[&str],
        attr_type: AttrType,
        values: Vec<Value>,
    ) -> Result<Prop> {
        use crate::directory::MemoryDirectory;
        let call = FilterCall::new(kind, params.iter().map(|s| s.to_string()).collect(), 7)
            .map_err(|e| Error::new(ErrorKind::Definition, e))?;
        let mut props = Props::new();
        props.insert("a".into(), Prop::new(attr_type, "LDAP").with_values(values));
        let dir = MemoryDirectory::new().with_pool("uidNumber", 500);
        let mut env = FilterEnv::new(&dir);
        let mut key = "a".to_string();
        call.run(&mut key, &mut props, &mut env)?;
        props
            .remove(&key)
            .ok_or_else(|| Error::new(ErrorKind::Filter, "attribute vanished"))
    }

    fn day(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn string_to_date_documented_example() {
        // strings.py: StringToDate('%Y-%m-%d')
        let p = run(
            FilterKind::StringToDate,
            &["%Y-%m-%d"],
            AttrType::Date,
            vec![Value::text("2012-02-29")],
        );
        assert_eq!(p.map(|p| p.value), Ok(vec![Value::Date(day(2012, 2, 29))]));
    }

    #[test]
    fn date_to_string_documented_example() {
        // strings.py: DateToString('%Y-%m-%d')
        let p = run(
            FilterKind::DateToString,
            &["%Y-%m-%d"],
            AttrType::Date,
            vec![Value::Date(day(2012, 2, 29))],
        );
        assert_eq!(p.map(|p| p.value), Ok(vec![Value::text("2012-02-29")]));
    }

    #[test]
    fn string_to_time_and_time_to_string_use_ldap_time_by_default() {
        // strings.py: StringToTime('%Y%m%d%H%M%SZ') and its default.
        let t = day(2012, 2, 29)
            .and_hms_opt(13, 14, 15)
            .map(Value::Timestamp);
        let p = run(
            FilterKind::StringToTime,
            &[],
            AttrType::Timestamp,
            vec![Value::text("20120229131415Z")],
        );
        assert_eq!(p.map(|p| p.value), Ok(t.clone().into_iter().collect()));
        let back = run(
            FilterKind::TimeToString,
            &["%Y%m%d%H%M%SZ"],
            AttrType::Timestamp,
            t.into_iter().collect(),
        );
        assert_eq!(
            back.map(|p| p.value),
            Ok(vec![Value::text("20120229131415Z")])
        );
    }

    #[test]
    fn escaped_percent_formats_run_as_the_reference_writes_them() {
        // user.xml writes DatetimeToString('%%Y-%%m-%%d').
        let t = day(1999, 12, 31).and_hms_opt(0, 0, 0).map(Value::Timestamp);
        let p = run(
            FilterKind::DatetimeToString,
            &["%%Y-%%m-%%d"],
            AttrType::Timestamp,
            t.into_iter().collect(),
        );
        assert_eq!(
            p.map(|p| (p.value, p.backend_type)),
            Ok((vec![Value::text("1999-12-31")], AttrType::String))
        );
    }

    #[test]
    fn integer_and_datetime_filters_convert_epoch_seconds() {
        let p = run(
            FilterKind::IntegerToDatetime,
            &[],
            AttrType::Timestamp,
            vec![Value::Integer(0)],
        );
        let epoch = day(1970, 1, 1).and_hms_opt(0, 0, 0).map(Value::Timestamp);
        assert_eq!(
            p.as_ref().map(|p| p.value.clone()),
            Ok(epoch.clone().into_iter().collect())
        );
        let back = run(
            FilterKind::DatetimeToInteger,
            &[],
            AttrType::Timestamp,
            epoch.into_iter().collect(),
        );
        assert_eq!(back.map(|p| p.value), Ok(vec![Value::Integer(0)]));
    }

    #[test]
    fn get_next_id_runs_through_the_directory() {
        let p = run(
            FilterKind::GetNextID,
            &["uidNumber", "65500"],
            AttrType::Integer,
            vec![Value::Integer(-1)],
        );
        assert_eq!(p.map(|p| p.value), Ok(vec![Value::Integer(500)]));
    }

    #[test]
    fn a_failing_filter_names_itself_the_attribute_and_its_line() {
        let p = run(
            FilterKind::StringToDatetime,
            &["%Y-%m-%d"],
            AttrType::Timestamp,
            vec![Value::text("soon")],
        );
        let e = p.err();
        assert!(
            e.as_ref().is_some_and(|e| e.line() == 7
                && e.message()
                    .starts_with("filter 'StringToDatetime' on 'a': ")),
            "{e:?}"
        );
    }
}
