//! The sizes a benchmark run takes from the environment (`CLACKS_BENCH_CALLS`,
//! `CLACKS_BENCH_ROUNDS`, …). A variable that is set but is not a whole number above 0 stops
//! the run with a message naming it: quietly falling back to the default would print numbers
//! for a run nobody asked for.

/// The count in variable `name`, `default` when it is not set, or what is wrong with it.
pub fn try_count(name: &str, default: usize) -> Result<usize, String> {
    parse_count(name, std::env::var(name).ok().as_deref(), default)
}

/// The count in variable `name`, `default` when it is not set; a bad value ends the process
/// (exit 2) with a message naming the variable.
pub fn count(name: &str, default: usize) -> usize {
    try_count(name, default).unwrap_or_else(|problem| {
        eprintln!("benchmark settings: {problem}");
        std::process::exit(2)
    })
}

fn parse_count(name: &str, value: Option<&str>, default: usize) -> Result<usize, String> {
    let Some(value) = value else {
        return Ok(default);
    };
    match value.trim().parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!(
            "{name} must be a whole number greater than 0, not {value:?}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unset_variable_gives_the_default() {
        assert_eq!(parse_count("X", None, 7), Ok(7));
    }

    #[test]
    fn a_set_variable_gives_its_number() {
        assert_eq!(parse_count("X", Some(" 12 "), 7), Ok(12));
    }

    #[test]
    fn zero_or_text_is_refused_naming_the_variable() {
        for bad in ["0", "-3", "many", ""] {
            let problem = parse_count("CLACKS_BENCH_ROUNDS", Some(bad), 7).unwrap_err();
            assert!(problem.contains("CLACKS_BENCH_ROUNDS"), "{problem}");
            assert!(problem.contains(&format!("{bad:?}")), "{problem}");
        }
    }
}
