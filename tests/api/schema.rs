//! The published contract does not drift from the code.

#[test]
fn schema_graphql_matches_the_code() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema.graphql");
    let checked_in = std::fs::read_to_string(&path).expect("schema.graphql at the repository root");
    assert!(
        checked_in == api::graphql::sdl(),
        "schema.graphql is stale: run `cargo run -p api -- export-schema > schema.graphql`"
    );
}
