//! The README's figures are measured, not written by hand: these tests fail when a documented
//! default or a documented cost of the dashboards' queries no longer matches the code.

use async_graphql::parser::parse_query;
use async_graphql::{Name, Value, Variables};

use api::limits::{Limits, TypeInfo, measure};

/// The scripts' pull: one page of reports changed since a time.
pub const PULL: &str = "query($after: String, $since: DateTime) { activityReports(first: 100, after: $after, updatedSince: $since, orderBy: UPDATED_AT) { pageInfo { hasNextPage endCursor } nodes { id title activityType status startDate endDate reviewStatus updatedAt organization { id name } targetStates { iso3 } } } }";

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("the README")
}

/// The cells of the README table row starting with `| {label} |`.
fn row(readme: &str, label: &str) -> Vec<String> {
    let prefix = format!("| {label} |");
    let line = readme.lines().find(|l| l.starts_with(&prefix)).unwrap_or_else(|| panic!("no README row {prefix}"));
    line.trim_matches('|').split('|').map(|c| c.trim().trim_matches('`').to_owned()).collect()
}

#[test]
fn the_readme_states_the_measured_depth_and_complexity_of_the_dashboards() {
    let readme = readme();
    let types = TypeInfo::from_sdl(&api::schema::sdl());
    let mut vars = Variables::default();
    vars.insert(Name::new("first"), Value::from(100));
    for (label, query) in [
        ("region dashboard (54 states)", crate::dashboards::REGION),
        ("state dossier", crate::dashboards::DOSSIER),
        ("pull page (100 reports)", PULL),
    ] {
        let cost = measure(&parse_query(query).expect("a query"), None, &vars, &types, &Limits::default());
        let cells = row(&readme, label);
        let measured = format!("| {label} | {} | {} |", cost.depth, cost.complexity);
        assert_eq!(
            (cells[1].as_str(), cells[2].as_str()),
            (cost.depth.to_string().as_str(), cost.complexity.to_string().as_str()),
            "the README should say: {measured}"
        );
        Limits::default().check(&cost).unwrap_or_else(|e| panic!("{label} must fit the default limits: {e}"));
    }
}

#[test]
fn the_readme_states_the_default_limits() {
    let readme = readme();
    let l = Limits::default();
    for (flag, value) in [
        ("--max-depth", l.max_depth),
        ("--max-complexity", l.max_complexity),
        ("--max-aliases", l.max_aliases),
        ("--max-repeats", l.max_repeats),
        ("--max-directives", l.max_directives),
        ("--max-batch", l.max_batch),
    ] {
        let line = readme
            .lines()
            .find(|line| line.contains(&format!("`{flag}`")))
            .unwrap_or_else(|| panic!("{flag} is not documented"));
        assert!(line.contains(&format!("`{value}`")), "{flag} is documented with another default than {value}: {line}");
    }
}
