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

/// `check-schema` from the real binary, against a released schema in a folder of its own.
fn check_schema(released: &str, declared: Option<&str>) -> std::process::Output {
    let dir = tempfile::tempdir().expect("tempdir");
    let released_path = dir.path().join("released.graphql");
    std::fs::write(&released_path, released).expect("write");
    let declared_path = dir.path().join("breaks.toml");
    if let Some(text) = declared {
        std::fs::write(&declared_path, text).expect("write");
    }
    std::process::Command::new(env!("CARGO_BIN_EXE_carbon-pilots"))
        .arg("check-schema")
        .arg("--released")
        .arg(&released_path)
        .arg("--declared")
        .arg(&declared_path)
        .output()
        .expect("run carbon-pilots")
}

#[test]
fn the_schema_keeps_every_promise_of_the_last_release() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let released =
        std::fs::read_to_string(root.join("schema/released.graphql")).expect("released schema");
    let declared = std::fs::read_to_string(root.join("schema/breaking-changes.toml"))
        .expect("declared breaks");
    let out = check_schema(&released, Some(&declared));
    assert!(
        out.status.success(),
        "an undeclared break of the released schema: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_undeclared_break_fails_the_check_and_a_declared_one_passes() {
    // A release that had a field and an enum value this build no longer has.
    let sdl = api::graphql::sdl();
    let released = sdl
        .replacen(
            "type Pilot implements Node {\n",
            "type Pilot implements Node {\n\tlegacyCode: String!\n",
            1,
        )
        .replacen(
            "enum PilotStatus {\n",
            "enum PilotStatus {\n\tARCHIVED\n",
            1,
        );
    assert_ne!(released, sdl, "the fixture changed the schema");
    let out = check_schema(&released, None);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("BREAKING, NOT DECLARED   Pilot.legacyCode"),
        "{text}"
    );
    assert!(
        text.contains("BREAKING, NOT DECLARED   PilotStatus.ARCHIVED"),
        "{text}"
    );
    assert!(text.contains("2 breaking, 2 not declared"), "{text}");

    let declared = "[[change]]\ncoordinate = \"Pilot.legacyCode\"\nreason = \"Read code.\"\n\n\
                    [[change]]\ncoordinate = \"PilotStatus.ARCHIVED\"\nreason = \"Revoked pilots are REVOKED.\"\n";
    let out = check_schema(&released, Some(declared));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // A declaration where nothing breaks is stale and fails too.
    let out = check_schema(&sdl, Some(declared));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("STALE DECLARATION"), "{text}");
}
