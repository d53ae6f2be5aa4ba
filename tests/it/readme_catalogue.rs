//! The lists of web services in the documentation are checked against the spec's operation
//! table (`pasarela::lyra::OPERATIONS`, derived from `openapi/lyra-v4.yaml`): the methods
//! listed in README.md's "Calling the Lyra API" and the catalogue table of `openapi/README.md`.

use std::collections::BTreeSet;

use pasarela::lyra::OPERATIONS;

/// The text between `<!-- name -->` and `<!-- /name -->`.
fn section<'a>(text: &'a str, name: &str) -> &'a str {
    let open = format!("<!-- {name} -->");
    let close = format!("<!-- /{name} -->");
    let start = text.find(&open).unwrap_or_else(|| panic!("no {open}")) + open.len();
    let end = text[start..]
        .find(&close)
        .unwrap_or_else(|| panic!("no {close}"));
    &text[start..start + end]
}

/// Every `code span` of a text.
fn code_spans(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

#[test]
fn the_readme_lists_every_method_of_the_spec_and_no_other() {
    let listed: BTreeSet<&str> =
        code_spans(section(include_str!("../../README.md"), "lyra-methods"))
            .into_iter()
            .filter(|span| span.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
            .filter(|span| *span != "create_payment_silent")
            .collect();
    let spec: BTreeSet<&str> = OPERATIONS.iter().map(|op| op.operation_id).collect();
    assert_eq!(
        listed, spec,
        "README.md's list of methods and the spec differ"
    );
}

#[test]
fn the_catalogue_table_is_the_spec() {
    let table = section(include_str!("../../openapi/README.md"), "lyra-catalogue");
    let mut rows = BTreeSet::new();
    for line in table.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let web_service = code_spans(cells[1])[0];
        let operation_id = code_spans(cells[2])[0];
        let op = pasarela::lyra::Operation::find(web_service)
            .unwrap_or_else(|| panic!("{web_service} is in the table, not in the spec"));
        assert_eq!(op.operation_id, operation_id, "{web_service}");
        assert!(!cells[4].is_empty(), "{web_service}: no source");
        rows.insert(web_service);
    }
    let spec: BTreeSet<&str> = OPERATIONS.iter().map(|op| op.web_service).collect();
    assert_eq!(
        rows, spec,
        "openapi/README.md's catalogue and the spec differ"
    );
    let heading = format!(
        "## Web services covered (Lyra): {0} of {0}",
        OPERATIONS.len()
    );
    assert!(
        include_str!("../../openapi/README.md").contains(&heading),
        "the heading counts the table: {heading}"
    );
}
