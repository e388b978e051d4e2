//! The `carbon-pilots` binary: tokens it mints verify, the schema it prints is the contract,
//! region imports are all or nothing, and seeding twice adds nothing twice.

use crate::helpers::*;
use api::auth::jwt::TokenVerifier;
use std::process::Command;

fn carbon_pilots(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_carbon-pilots"))
        .args(args)
        .current_dir(dir)
        .env("DATA_DIR", dir.join("data"))
        .env_remove("DATABASE_URL")
        .env_remove("JWT_SECRET")
        .env_remove("CONFIG_FILE")
        .output()
        .expect("run carbon-pilots")
}

fn stdout(o: &std::process::Output) -> String {
    assert!(
        o.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn a_minted_token_verifies_with_the_generated_secret() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The service creates the secret (here `migrate`; usually the first `serve`).
    stdout(&carbon_pilots(dir.path(), &["migrate"]));
    let token = stdout(&carbon_pilots(
        dir.path(),
        &[
            "token",
            "--role",
            "municipal",
            "--region",
            "371400",
            "--ttl",
            "1h",
        ],
    ));
    let secret =
        std::fs::read_to_string(dir.path().join("data/jwt-secret")).expect("secret created");
    let said = carbon_pilots(
        dir.path(),
        &["token", "--role", "auditor", "--region", "370000"],
    );
    assert!(
        String::from_utf8_lossy(&said.stderr).contains("signed with the secret in"),
        "it says which secret it used: {}",
        String::from_utf8_lossy(&said.stderr)
    );
    let mut jwt = jwt_settings();
    jwt.secret = secret.trim().into();
    let claims = TokenVerifier::new(&jwt)
        .expect("verifier")
        .verify(token.trim())
        .expect("valid");
    assert_eq!(
        (claims.role.as_str(), claims.region.as_deref()),
        ("municipal", Some("371400"))
    );
    assert!(claims.exp - chrono::Utc::now().timestamp() <= 3600);
}

#[test]
fn export_schema_prints_the_contract() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert_eq!(
        stdout(&carbon_pilots(dir.path(), &["export-schema"])),
        api::graphql::sdl()
    );
}

#[test]
fn migrate_seed_and_import_regions_work_from_the_command_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert!(stdout(&carbon_pilots(dir.path(), &["migrate", "status"])).contains("create_schema"));
    assert!(stdout(&carbon_pilots(dir.path(), &["seed", "--demo"])).contains("22 pilots added"));
    assert!(stdout(&carbon_pilots(dir.path(), &["seed", "--demo"])).contains("0 pilots added"));
    assert!(stdout(&carbon_pilots(dir.path(), &["verify-audit"])).contains("audit chain valid"));
    let file = dir.path().join("pilots.ndjson");
    stdout(&carbon_pilots(
        dir.path(),
        &["export", "pilots", "--out", file.to_str().expect("utf8")],
    ));
    let text = std::fs::read_to_string(&file).expect("export file");
    let last: serde_json::Value =
        serde_json::from_str(text.lines().last().expect("trailer")).expect("json");
    assert_eq!(
        (last["_type"].as_str(), last["count"].as_u64()),
        (Some("EndOfExport"), Some(22))
    );
    assert_eq!(text.lines().count(), 23);

    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "code,name,parent_code\n130000,河北省,\n130100,石家庄市,130000\n13010X,坏,130100\n130102,长安区,999900\n").expect("write");
    let out = carbon_pilots(dir.path(), &["import-regions", bad.to_str().expect("utf8")]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 4") && err.contains("line 5"), "{err}");
    assert!(!err.contains("line 2") && !err.contains("line 3"), "{err}");

    let good = dir.path().join("good.csv");
    std::fs::write(
        &good,
        "code,name,parent_code\n130000,河北省,\n130100,石家庄市,130000\n130102,长安区,130100\n",
    )
    .expect("write");
    assert!(
        stdout(&carbon_pilots(
            dir.path(),
            &["import-regions", good.to_str().expect("utf8")]
        ))
        .contains("imported 3 regions: 3 added, 0 changed")
    );
}

#[actix_web::test]
async fn a_refused_region_import_changes_nothing() {
    use sea_orm::{EntityTrait, PaginatorTrait};
    let app = TestApp::spawn().await;
    let before = entities::region::Entity::find()
        .count(&app.db)
        .await
        .expect("count");
    let csv = "code,name,parent_code\n130000,河北省,\n130100,石家庄市,130000\n130101,,130100\n";
    let result = api::regions::service::import_csv(&app.db, csv)
        .await
        .expect("runs");
    let errors = result.expect_err("refused");
    assert_eq!(errors.0.iter().map(|(l, _)| *l).collect::<Vec<_>>(), [4]);
    assert_eq!(
        entities::region::Entity::find()
            .count(&app.db)
            .await
            .expect("count"),
        before
    );
    let ok = api::regions::service::import_csv(&app.db, "code,name,parent_code\n130000,河北省,\n")
        .await
        .expect("runs");
    assert_eq!(ok.expect("imported").added, 1);
    assert_eq!(
        entities::region::Entity::find()
            .count(&app.db)
            .await
            .expect("count"),
        before + 1
    );
}

#[test]
fn a_clock_file_is_refused_outside_a_sandbox() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = dir.path().join("now");
    std::fs::write(&clock, "2024-03-01T10:00:00+08:00").expect("write");
    let out = carbon_pilots(
        dir.path(),
        &["serve", "--clock-file", clock.to_str().expect("path")],
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("refused without --sandbox"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Starts `carbon-pilots serve` on a free loopback port in `dir` with `args` and `env`; the
/// child (stderr piped) and its address.
fn serve(
    dir: &std::path::Path,
    args: &[&std::ffi::OsStr],
    env: &[(&str, &str)],
) -> (std::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let bind = format!("127.0.0.1:{port}");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_carbon-pilots"));
    cmd.args(["serve", "--bind", &bind])
        .args(args)
        .current_dir(dir)
        .env("DATA_DIR", dir.join("data"))
        .env_remove("DATABASE_URL")
        .env_remove("JWT_SECRET")
        .env_remove("CONFIG_FILE")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    (cmd.spawn().expect("serve"), bind)
}

/// Waits (up to 30 s) for a `serve` on `bind` to answer `/healthz`.
async fn wait_until_up(client: &awc::Client, bind: &str) {
    for _ in 0..300 {
        if client
            .get(format!("http://{bind}/healthz"))
            .send()
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the server on {bind} did not come up");
}

#[actix_web::test]
async fn a_sandbox_reads_its_clock_file_on_every_request_and_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = dir.path().join("now");
    std::fs::write(&clock, "2024-03-01T10:00:00+08:00").expect("write");
    let (mut server, bind) = serve(
        dir.path(),
        &[
            "--sandbox".as_ref(),
            "--clock-file".as_ref(),
            clock.as_os_str(),
        ],
        // Nobody reads its stderr: keep it short of a full pipe.
        &[("RUST_LOG", "error")],
    );
    let client = awc::Client::default();
    let readyz = || async {
        let mut res = client
            .get(format!("http://{bind}/readyz"))
            .send()
            .await
            .ok()?;
        let body = res.body().await.ok()?;
        Some(String::from_utf8_lossy(&body).into_owned())
    };
    let mut first = None;
    for _ in 0..300 {
        if let Some(b) = readyz().await {
            first = Some(b);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    std::fs::write(&clock, "2025-12-31T16:00:00Z").expect("write");
    let second = readyz().await;
    server.kill().expect("kill");
    server.wait().expect("reaped");
    let first = first.expect("the sandbox came up");
    assert!(first.starts_with("ready\nSANDBOX"), "{first}");
    assert!(first.contains("2024-03-01T02:00:00+00:00"), "{first}");
    assert!(
        second
            .expect("second")
            .contains("2025-12-31T16:00:00+00:00"),
        "the file is read again"
    );
}

#[actix_web::test]
async fn serve_and_migrate_refuse_a_schema_this_build_was_not_made_for() {
    let dir = tempfile::tempdir().expect("tempdir");
    let serve = ["serve", "--no-migrate", "--bind", "127.0.0.1:0"];
    let stderr = |o: &std::process::Output| String::from_utf8_lossy(&o.stderr).into_owned();
    // A new database: older than the build, and `--no-migrate` does not migrate it.
    let out = carbon_pilots(dir.path(), &serve);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("older than this build"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("carbon-pilots migrate"),
        "{}",
        stderr(&out)
    );
    stdout(&carbon_pilots(dir.path(), &["migrate"]));
    // A later release's migration: this build neither serves nor migrates the database.
    let file = dir.path().join("data").join("carbon-pilots.sqlite");
    assert!(file.exists(), "the default SQLite file");
    let db = api::db::connect(&format!("sqlite://{}?mode=rwc", file.display()))
        .await
        .expect("connect");
    use sea_orm::ConnectionTrait;
    db.execute_unprepared(
        "INSERT INTO seaql_migrations (version, applied_at) VALUES ('m29990101_000001_later', 0)",
    )
    .await
    .expect("insert");
    db.close().await.expect("close");
    for args in [
        &serve[..],
        &["migrate"][..],
        &["serve", "--bind", "127.0.0.1:0"][..],
    ] {
        let out = carbon_pilots(dir.path(), args);
        assert!(!out.status.success(), "{args:?}");
        assert!(
            stderr(&out).contains("newer than this build")
                && stderr(&out).contains("m29990101_000001_later"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn export_takes_the_http_names_and_stops_quietly_when_its_reader_does() {
    let dir = tempfile::tempdir().expect("tempdir");
    stdout(&carbon_pilots(dir.path(), &["seed", "--demo"]));
    let all = stdout(&carbon_pilots(dir.path(), &["export", "audit.ndjson"]));
    assert!(all.lines().count() > 1000, "{}", all.lines().count());
    // `carbon-pilots export audit.ndjson | head -n 1`: the reader leaves after one line.
    let mut child = Command::new(env!("CARGO_BIN_EXE_carbon-pilots"))
        .args(["export", "audit.ndjson"])
        .current_dir(dir.path())
        .env("DATA_DIR", dir.path().join("data"))
        .env_remove("DATABASE_URL")
        .env_remove("JWT_SECRET")
        .env_remove("CONFIG_FILE")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut first = String::new();
    {
        use std::io::BufRead;
        let out = child.stdout.take().expect("stdout");
        std::io::BufReader::new(out)
            .read_line(&mut first)
            .expect("a line");
    }
    let done = child.wait_with_output().expect("exit");
    assert!(first.starts_with('{'), "{first}");
    assert!(
        done.status.success(),
        "a closed pipe ends the export quietly: {}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert!(
        done.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
}

#[test]
fn verify_audit_ranges_are_exact() {
    let dir = tempfile::tempdir().expect("tempdir");
    stdout(&carbon_pilots(dir.path(), &["seed", "--demo"]));
    let out = stdout(&carbon_pilots(
        dir.path(),
        &["verify-audit", "--from", "10", "--to", "19"],
    ));
    assert!(out.contains("10 events verified"), "{out}");
    for (args, says) in [
        (
            ["--from", "9999999", "--to", "9999999"],
            "the chain ends at event",
        ),
        (["--from", "20", "--to", "10"], "before"),
    ] {
        let mut all = vec!["verify-audit"];
        all.extend(args);
        let out = carbon_pilots(dir.path(), &all);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(!err.contains("broken"), "not a broken chain: {err}");
    }
}

#[actix_web::test]
async fn every_request_writes_one_access_line_under_the_clients_request_id() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (server, bind) = serve(
        dir.path(),
        &[],
        &[("LOG_FORMAT", "json"), ("RUST_LOG", "info")],
    );
    let client = awc::Client::default();
    wait_until_up(&client, &bind).await;
    let ask = |id: &'static str| {
        client
            .post(format!("http://{bind}/graphql"))
            .insert_header(("X-Request-Id", id))
            .send_json(
                // No `operationName`: the log names the document's one operation.
                &serde_json::json!({"query": "query Ping { health }"}),
            )
    };
    let res = ask("trace-abc.123").await.expect("request");
    let echoed = res
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    assert_eq!(echoed.as_deref(), Some("trace-abc.123"));
    let res = ask("not a plain id").await.expect("request");
    let fresh = res
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    assert!(
        fresh
            .as_deref()
            .is_some_and(|f| !f.is_empty() && f != "not a plain id"),
        "{fresh:?}"
    );
    terminate(server.id());
    let out = server.wait_with_output().expect("exit");
    let log = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<serde_json::Value> = log
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter(|l: &serde_json::Value| {
            l["target"] == "access" && l["request_id"] == "trace-abc.123"
        })
        .collect();
    assert_eq!(lines.len(), 1, "one line for the request: {log}");
    let line = &lines[0];
    assert_eq!(line["operation"], "Ping", "{line}");
    assert_eq!(line["status"], 200);
    assert_eq!(line["outcome"], "OK");
    assert_eq!(line["method"], "POST");
    assert!(line["latency_ms"].as_f64().is_some(), "{line}");
}

/// Asks a server to stop (SIGTERM: it finishes what is in flight).
fn terminate(pid: u32) {
    let status = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

#[actix_web::test]
async fn a_migration_step_that_fails_halfway_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    stdout(&carbon_pilots(dir.path(), &["migrate"]));
    let file = dir.path().join("data").join("carbon-pilots.sqlite");
    let url = format!("sqlite://{}?mode=rwc", file.display());
    use sea_orm::ConnectionTrait;
    let db = api::db::connect(&url).await.expect("connect");
    // A view on `audit_events.plan_id` makes the regional plans' step fail at its column drop,
    // after it dropped the column's index.
    db.execute_unprepared("CREATE VIEW plan_events AS SELECT plan_id FROM audit_events")
        .await
        .expect("view");
    db.close().await.expect("close");
    // The steps after it go back one by one; then its own is refused.
    let refused = (0..10).find(|_| {
        !carbon_pilots(dir.path(), &["migrate", "down"])
            .status
            .success()
    });
    assert!(refused.is_some(), "the drop is refused");
    let status = stdout(&carbon_pilots(dir.path(), &["migrate", "status"]));
    assert!(
        status
            .lines()
            .any(|l| l.contains("m20261201_000004_regional_plans") && l.contains("Applied")),
        "{status}"
    );
    assert!(
        status
            .lines()
            .any(|l| l.contains("m20261201_000005_workflow_events_notify") && l.contains("Pending")),
        "the step after it went back: {status}"
    );
    let db = api::db::connect(&url).await.expect("connect");
    let left = db
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE name IN ('ix_audit_events_plan_id', 'regional_assessments')",
        ))
        .await
        .expect("query")
        .expect("row");
    assert_eq!(
        left.try_get::<i64>("", "n").expect("n"),
        2,
        "index and tables still there"
    );
}

#[actix_web::test]
async fn a_region_import_that_renames_a_region_is_audited_reported_and_kept() {
    let app = TestApp::spawn().await;
    let csv = "code,name,parent_code\n371400,德州市（新）,370000\n371402,德城区,371400\n";
    let summary = api::regions::service::import_csv(&app.db, csv)
        .await
        .expect("runs")
        .expect("imported");
    assert_eq!(summary.rows, 2);
    assert_eq!(summary.added, 0);
    assert_eq!(
        summary.changed,
        [(
            "371400".to_owned(),
            "德州市".to_owned(),
            "德州市（新）".to_owned()
        )],
        "the unchanged row writes nothing"
    );
    let t = token_for("auditor", Some("370000"));
    let body = app
        .gql(
            Some(&t),
            "{auditEvents(filter:{entityType:\"Region\"},first:10){edges{node{entityId action before after actor{sub}}}}}",
            serde_json::json!({}),
        )
        .await;
    let edges = body["data"]["auditEvents"]["edges"]
        .as_array()
        .expect("edges");
    assert_eq!(edges.len(), 1, "{body}");
    let event = &edges[0]["node"];
    assert_eq!(event["action"], "UPDATE");
    assert_eq!(event["before"]["name"], "德州市");
    assert_eq!(event["after"]["name"], "德州市（新）");
    assert_eq!(event["actor"]["sub"], "system:import-regions");
    let name = || async {
        app.gql(
            Some(&t),
            "query($id:ID!){node(id:$id){... on Region{name}}}",
            serde_json::json!({"id": event["entityId"]}),
        )
        .await["data"]["node"]["name"]
            .clone()
    };
    assert_eq!(name().await, "德州市（新）");
    // The next start's shipped regions do not undo the import.
    api::db::prepare(&app.db).await.expect("prepare");
    assert_eq!(name().await, "德州市（新）");
    assert_eq!(
        app.gql(Some(&t), "{verifyAuditChain{valid}}", serde_json::json!({}))
            .await["data"]["verifyAuditChain"]["valid"],
        true
    );
}

#[test]
fn token_refuses_what_the_server_would_refuse_and_never_makes_its_own_secret() {
    let dir = tempfile::tempdir().expect("tempdir");
    // No secret yet: `token` does not create one the server has never seen.
    let out = carbon_pilots(
        dir.path(),
        &["token", "--role", "auditor", "--region", "370000"],
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no JWT secret"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !dir.path().join("data/jwt-secret").exists(),
        "no second secret left behind"
    );
    stdout(&carbon_pilots(dir.path(), &["seed", "--demo"]));
    for (args, says) in [
        (&["--role", "municipal"][..], "region"),
        (&["--role", "applicant"][..], "org"),
        (
            &["--role", "applicant", "--org", "T3JnYW5pemF0aW9uOjk5OTk5"][..],
            "does not exist",
        ),
        (&["--role", "county", "--region", "12345"][..], "region"),
    ] {
        let mut all = vec!["token"];
        all.extend(args);
        let out = carbon_pilots(dir.path(), &all);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} was minted");
        assert!(
            err.contains("would refuse") || err.contains("invalid"),
            "{args:?}: {err}"
        );
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

#[test]
fn config_check_reports_every_problem_and_never_shows_a_secret() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("carbon-pilots.toml"),
        "max_depth = 9\nno_such_setting = 1\n",
    )
    .expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_carbon-pilots"))
        .args(["config", "check"])
        .current_dir(dir.path())
        .env("DATA_DIR", dir.path().join("data"))
        .env("DATABASE_URL", "postgres://app:hunter2@db.internal/pilots")
        .env("JWT_SECRET", "a-very-secret-secret-of-at-least-32-bytes")
        .env("MAX_ALIASES", "many")
        .env("JWT_MAX_TTL", "5y")
        .env_remove("CONFIG_FILE")
        .output()
        .expect("run");
    let (printed, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert_eq!(out.status.code(), Some(1), "{printed}{stderr}");
    for problem in [
        "problem: NO_SUCH_SETTING (configuration file): `no_such_setting` is not a setting",
        "problem: MAX_ALIASES (environment variable)",
        "problem: JWT_MAX_TTL",
    ] {
        assert!(stderr.contains(problem), "{problem} in {stderr}");
    }
    assert!(
        printed.contains("MAX_DEPTH") && printed.contains("= 9  (configuration file)"),
        "{printed}"
    );
    assert!(
        printed.contains("postgres://app:***@db.internal/pilots  (environment variable)"),
        "{printed}"
    );
    assert!(
        printed.contains("JWT_SECRET") && printed.contains("*** (41 bytes)"),
        "{printed}"
    );
    assert!(
        !printed.contains("hunter2") && !printed.contains("very-secret"),
        "{printed}"
    );
    assert!(
        !dir.path().join("data").exists(),
        "checking creates nothing"
    );

    let fine = carbon_pilots(dir.path(), &["config", "check"]);
    // The file's unknown key is still a problem; without it the configuration is valid.
    assert_eq!(fine.status.code(), Some(1));
    std::fs::write(dir.path().join("carbon-pilots.toml"), "max_depth = 9\n").expect("write");
    let fine = stdout(&carbon_pilots(dir.path(), &["config", "check"]));
    assert!(fine.contains("# the configuration is valid"), "{fine}");
}

#[test]
fn help_names_every_setting_s_variable() {
    let dir = tempfile::tempdir().expect("tempdir");
    for args in [&["--help"][..], &["serve", "--help"][..]] {
        let help = stdout(&carbon_pilots(dir.path(), args));
        for s in api::config::SETTINGS {
            assert!(help.contains(s.var), "{args:?} names {}: {help}", s.var);
        }
        assert!(help.contains("config check"), "{help}");
    }
    let serve = stdout(&carbon_pilots(dir.path(), &["serve", "--help"]));
    assert!(serve.contains("[env: BIND="), "{serve}");
}

/// The requests a stand-in collector received: path and body.
type Received = std::sync::Arc<std::sync::Mutex<Vec<(String, Vec<u8>)>>>;

/// A stand-in OTLP/HTTP collector on a loopback port: every request body it receives.
fn collector() -> (String, Received) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let store = received.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut line = String::new();
            reader.read_line(&mut line).expect("request line");
            let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
            let mut length = 0;
            loop {
                let mut header = String::new();
                reader.read_line(&mut header).expect("header");
                if header.trim().is_empty() {
                    break;
                }
                if let Some(v) = header.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).expect("body");
            store.lock().expect("lock").push((path, body));
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
        }
    });
    (url, received)
}

#[actix_web::test]
async fn traces_go_over_otlp_and_continue_the_callers_traceparent() {
    let (endpoint, received) = collector();
    let dir = tempfile::tempdir().expect("tempdir");
    let (server, bind) = serve(
        dir.path(),
        &[],
        &[
            ("RUST_LOG", "warn"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("OTEL_SERVICE_NAME", "carbon-pilots-under-test"),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ],
    );
    let client = awc::Client::default();
    wait_until_up(&client, &bind).await;
    let (trace, parent) = ("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7");
    let res = client
        .post(format!("http://{bind}/graphql"))
        .insert_header(("traceparent", format!("00-{trace}-{parent}-01")))
        .send_json(&serde_json::json!({"query": "query Health { health }"}))
        .await
        .expect("request");
    assert_eq!(res.status().as_u16(), 200);
    let contains = |body: &[u8], needle: &[u8]| body.windows(needle.len()).any(|w| w == needle);
    let trace_bytes = hex::decode(trace).expect("hex");
    let parent_bytes = hex::decode(parent).expect("hex");
    // The request's spans may reach the collector in more than one batch (the batch processor
    // exports on a 100 ms tick, and the inner spans end before the request's own span does), so
    // wait for the whole trace: every body that carries the caller's trace id, together.
    let trace_bodies = || -> (Vec<String>, Vec<u8>) {
        let received = received.lock().expect("lock");
        let batches = received.iter().filter(|(_, b)| contains(b, &trace_bytes));
        let paths = batches.clone().map(|(p, _)| p.clone()).collect();
        (
            paths,
            batches.flat_map(|(_, b)| b.iter().copied()).collect(),
        )
    };
    let complete = |body: &[u8]| {
        contains(body, &parent_bytes)
            && contains(body, b"POST /graphql")
            && contains(body, b"graphql.operation.name")
    };
    let (mut paths, mut body) = trace_bodies();
    for _ in 0..100 {
        if complete(&body) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        (paths, body) = trace_bodies();
    }
    terminate(server.id());
    let _ = server.wait_with_output();
    assert!(
        !paths.is_empty(),
        "a span of the caller's trace reached the collector"
    );
    assert!(paths.iter().all(|p| p == "/v1/traces"), "{paths:?}");
    assert!(
        contains(&body, &parent_bytes),
        "the caller's span is the parent"
    );
    assert!(
        contains(&body, b"carbon-pilots-under-test"),
        "OTEL_SERVICE_NAME names the service"
    );
    assert!(
        contains(&body, b"graphql.operation.name") && contains(&body, b"Health"),
        "the operation's span names it"
    );
    assert!(contains(&body, b"POST /graphql"), "the HTTP request's span");
}

/// `DB_POOL_SIZE` connections in all, opened at start: on PostgreSQL split among the HTTP
/// workers, each worker's opened on its own runtime (counted in the database itself), and
/// requests answered on every worker; on SQLite one pool that all workers share.
#[actix_web::test]
async fn the_servers_connections_open_at_start_split_among_its_workers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pg = empty_database().await;
    let mut env = vec![("DB_POOL_SIZE", "4"), ("WORKERS", "2")];
    if let Some(url) = &pg {
        env.push(("DATABASE_URL", url));
    }
    let (server, bind) = serve(dir.path(), &[], &env);
    let client = awc::Client::default();
    wait_until_up(&client, &bind).await;
    let pooled_in = |pool: &str, text: &str| -> f64 {
        ["idle", "in_use"]
            .iter()
            .filter_map(|state| {
                let name = format!(
                    r#"carbon_pilots_db_pool_connections{{pool="{pool}",state="{state}"}} "#
                );
                text.lines()
                    .find_map(|l| l.strip_prefix(&name))
                    .and_then(|v| v.trim().parse::<f64>().ok())
            })
            .sum()
    };
    let pooled = |text: &str| pooled_in("primary", text);
    // Sixteen connections of the client, so both workers answer some.
    let answers = futures_util::future::join_all((0..16).map(|_| {
        let client = awc::Client::builder().disable_redirects().finish();
        let bind = bind.clone();
        async move {
            let mut res = client
                .post(format!("http://{bind}/graphql"))
                .send_json(&serde_json::json!({"query": "{ health }"}))
                .await
                .expect("request");
            (
                res.status().as_u16(),
                res.json::<serde_json::Value>().await.expect("json"),
            )
        }
    }))
    .await;
    for (status, body) in &answers {
        assert_eq!(*status, 200, "{body}");
        assert_eq!(body["data"]["health"], "ok", "{body}");
    }
    let mut text = String::new();
    for _ in 0..50 {
        let mut res = client
            .get(format!("http://{bind}/metrics"))
            .send()
            .await
            .expect("metrics");
        text = String::from_utf8(res.body().await.expect("body").to_vec()).expect("utf-8");
        if pooled(&text) == 4.0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(pooled(&text), 4.0, "{text}");
    if pg.is_none() {
        // SQLite's statistics and exports have a pool of their own over the same file: a
        // quarter of the server's, at least 2.
        assert_eq!(pooled_in("read", &text), 2.0, "{text}");
    }
    if let Some(url) = &pg {
        // The workers' four, the relay's reads and its notifications: no more. A pool counts a
        // connection from the moment it starts opening it, the database once it has opened, so
        // under load the database may count one fewer for a moment.
        let db = api::db::connect(url).await.expect("connect");
        use sea_orm::{ConnectionTrait, Statement};
        let mut n = 0;
        for _ in 0..50 {
            let row = db
                .query_one_raw(Statement::from_string(
                    db.get_database_backend(),
                    "SELECT count(*) AS n FROM pg_stat_activity \
                     WHERE datname = current_database() AND pid <> pg_backend_pid()",
                ))
                .await
                .expect("count")
                .expect("row");
            n = row.try_get::<i64>("", "n").expect("n");
            if n >= 4 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!((4..=6).contains(&n), "{n} connections");
    }
    terminate(server.id());
    let out = server.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
