//! `TestApp`: the real server on a loopback port over a fresh database loaded with the demo
//! data, real HS256 tokens, and a statement counter. SQLite by default; with
//! `TEST_DATABASE_URL=postgres://…` each test gets its own PostgreSQL database cloned from a
//! template migrated and seeded once per run.

use api::auth::jwt::{Claims, TokenVerifier, mint_hs256};
use api::clock::FixedClock;
use api::config::JwtSettings;
use api::startup::Application;
use api::state::AppState;
use chrono::{TimeZone, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::{Value, json};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

pub const SECRET: &str = "test-secret-test-secret-test-secret";

/// A running app and what tests need to talk to it.
pub struct TestApp {
    pub base: String,
    /// The database URL, for a second replica on the same database.
    pub url: String,
    pub db: DatabaseConnection,
    /// The app's clock; tests move it to put actions on exact dates.
    pub clock: FixedClock,
    /// SQL statements the app has run since it started.
    pub statements: Arc<AtomicUsize>,
    /// Keeps a SQLite file alive for the test's lifetime.
    _dir: Option<tempfile::TempDir>,
    /// Keeps a persisted-operation manifest alive for the test's lifetime.
    _manifest: Option<tempfile::TempDir>,
}

fn test_pg_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
}

/// The template: migrated, reference regions and demo data loaded. Built once per process on a
/// thread of its own so every test runtime can share it.
enum Template {
    Sqlite(
        PathBuf,
        #[expect(dead_code, reason = "kept only so the folder outlives the template")]
        tempfile::TempDir,
    ),
    Postgres {
        admin_url: String,
        name: String,
    },
}

static TEMPLATE: OnceLock<Template> = OnceLock::new();
static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn with_database(url: &str, name: &str) -> String {
    let (base, _) = url.rsplit_once('/').expect("database URL has a path");
    format!("{base}/{name}")
}

fn template() -> &'static Template {
    TEMPLATE.get_or_init(|| {
        std::thread::spawn(|| {
            let rt = tokio::runtime::Runtime::new().expect("runtime");
            rt.block_on(async {
                if let Some(admin_url) = test_pg_url() {
                    let name = format!("cp_tpl_{}", std::process::id());
                    let admin = api::db::connect(&admin_url).await.expect("connect admin");
                    admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}"))
                        .await
                        .expect("drop");
                    admin
                        .execute_unprepared(&format!("CREATE DATABASE {name}"))
                        .await
                        .expect("create template");
                    let db = api::db::connect(&with_database(&admin_url, &name))
                        .await
                        .expect("connect template");
                    api::db::prepare(&db).await.expect("migrate template");
                    api::seed::demo::load(&db).await.expect("demo");
                    db.close().await.expect("close template");
                    admin.close().await.expect("close admin");
                    Template::Postgres { admin_url, name }
                } else {
                    let dir = tempfile::tempdir().expect("tempdir");
                    let work = dir.path().join("work.sqlite");
                    let db = api::db::connect(&format!("sqlite://{}?mode=rwc", work.display()))
                        .await
                        .expect("sqlite");
                    api::db::prepare(&db).await.expect("migrate");
                    api::seed::demo::load(&db).await.expect("demo");
                    let path = dir.path().join("template.sqlite");
                    db.execute_unprepared(&format!("VACUUM INTO '{}'", path.display()))
                        .await
                        .expect("vacuum");
                    db.close().await.expect("close");
                    Template::Sqlite(path, dir)
                }
            })
        })
        .join()
        .expect("template thread")
    })
}

/// A fresh database copied from the template (its URL, and the folder keeping a SQLite file).
pub async fn fresh_database() -> (String, Option<tempfile::TempDir>) {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    match template() {
        Template::Sqlite(path, _) => {
            let dir = tempfile::tempdir().expect("tempdir");
            let file = dir.path().join(format!("test{n}.sqlite"));
            std::fs::copy(path, &file).expect("copy template");
            (format!("sqlite://{}?mode=rwc", file.display()), Some(dir))
        }
        Template::Postgres { admin_url, name } => {
            let db_name = format!("cp_t_{}_{n}", std::process::id());
            let admin = api::db::connect(admin_url).await.expect("admin");
            // Copies of one template cannot run at once; retry while another is in progress.
            let mut tries = 0;
            loop {
                let sql = format!("CREATE DATABASE {db_name} TEMPLATE {name}");
                match admin.execute_unprepared(&sql).await {
                    Ok(_) => break,
                    Err(_) if tries < 200 => {
                        tries += 1;
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    }
                    Err(e) => panic!("creating {db_name}: {e}"),
                }
            }
            admin.close().await.expect("close admin");
            (with_database(admin_url, &db_name), None)
        }
    }
}

/// A new, empty PostgreSQL database (no schema), or `None` on SQLite.
pub async fn empty_database() -> Option<String> {
    let Template::Postgres { admin_url, .. } = template() else {
        return None;
    };
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let db_name = format!("cp_e_{}_{n}", std::process::id());
    let admin = api::db::connect(admin_url).await.expect("admin");
    admin
        .execute_unprepared(&format!("CREATE DATABASE {db_name}"))
        .await
        .expect("create");
    admin.close().await.expect("close admin");
    Some(with_database(admin_url, &db_name))
}

/// Token settings of the default test app.
pub fn jwt_settings() -> JwtSettings {
    JwtSettings {
        secret: SECRET.into(),
        issuer: None,
        audience: None,
        jwks_file: None,
        public_key_file: None,
        public_key_alg: "RS256".into(),
        keys_refresh_secs: 300,
        claim_namespace: None,
        jwks_url: None,
        jwks_min_refetch_secs: 30,
        max_ttl_secs: api::config::DEFAULT_MAX_TTL_SECS,
        allow_hs256: true,
    }
}

/// The path of a test fixture.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(name)
}

impl TestApp {
    /// The app with demo data and the default token settings.
    pub async fn spawn() -> TestApp {
        Self::spawn_with(jwt_settings()).await
    }

    /// The app with demo data and `pilots` synthetic pilots beside them (all of one shape).
    pub async fn spawn_with_synthetic(pilots: u32) -> TestApp {
        let app = Self::spawn().await;
        api::seed::synthetic::load(&app.db, pilots, false)
            .await
            .expect("synthetic");
        app
    }

    /// The app with demo data and the given token settings.
    pub async fn spawn_with(jwt: JwtSettings) -> TestApp {
        Self::spawn_configured(jwt, api::config::Limits::default()).await
    }

    /// The app in safelist mode with `query` the one registered operation (an Apollo
    /// persisted-query manifest in a folder kept for the app's life).
    pub async fn spawn_persisted_only(query: &str) -> TestApp {
        let text = json!({"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id": api::http::persisted::hash(query), "name": "Registered", "type": "query", "body": query}]});
        Self::spawn_with_manifest(text, true).await
    }

    /// The app with `manifest` as its `PERSISTED_MANIFEST`, and `PERSISTED_ONLY` as `only`.
    pub async fn spawn_with_manifest(manifest_json: Value, only: bool) -> TestApp {
        let dir = tempfile::tempdir().expect("tempdir");
        let manifest = dir.path().join("manifest.json");
        std::fs::write(&manifest, manifest_json.to_string()).expect("write");
        let limits = api::config::Limits {
            persisted_only: only,
            persisted_manifest: Some(manifest),
            ..Default::default()
        };
        let mut app = TestApp::spawn_configured(jwt_settings(), limits).await;
        app._manifest = Some(dir);
        app
    }

    /// The app with demo data, the given token settings and limits.
    pub async fn spawn_configured(jwt: JwtSettings, limits: api::config::Limits) -> TestApp {
        let (url, dir) = fresh_database().await;
        let mut app = Self::spawn_on(&url, jwt, limits).await;
        app._dir = dir;
        app
    }

    /// The app on a database URL as it is (connections opened lazily, with the limits'
    /// acquire timeout).
    pub async fn spawn_on(url: &str, jwt: JwtSettings, limits: api::config::Limits) -> TestApp {
        let (url, dir) = (url.to_owned(), None);
        let mut db = api::db::connect_lazy(
            &url,
            std::time::Duration::from_millis(limits.db_acquire_timeout_ms),
        )
        .await
        .expect("connect");
        let statements = Arc::new(AtomicUsize::new(0));
        let counter = statements.clone();
        db.set_metric_callback(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
        });
        let clock = FixedClock::at(
            Utc.with_ymd_and_hms(2026, 11, 20, 2, 0, 0)
                .single()
                .expect("time"),
        );
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let verifier = TokenVerifier::new(&jwt).expect("verifier");
        let state = AppState::new(db.clone(), Arc::new(clock.clone()));
        // On PostgreSQL the worker has its own pool, as a server's workers do; its statements
        // are counted too.
        let counter = statements.clone();
        let pools = api::db::WorkerPools::new(
            &url,
            None,
            1,
            std::time::Duration::from_millis(limits.db_acquire_timeout_ms),
            api::db::PoolSettings {
                size: Some(8),
                ..Default::default()
            },
        )
        .expect("worker pools")
        .lazy_and_metered(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
        });
        let app = Application::build(listener, state, pools, verifier, limits, 1).expect("build");
        let base = format!("http://127.0.0.1:{}", app.port());
        actix_web::rt::spawn(app.run_until_stopped());
        TestApp {
            base,
            url: url.clone(),
            db,
            clock,
            statements,
            _dir: dir,
            _manifest: None,
        }
    }

    /// Posts a raw body to `/graphql`; returns the status and the JSON answer.
    pub async fn post(&self, token: Option<&str>, body: &Value) -> (u16, Value) {
        let client = awc::Client::builder()
            .timeout(std::time::Duration::from_secs(60))
            .finish();
        let mut req = client.post(format!("{}/graphql", self.base));
        if let Some(t) = token {
            req = req.insert_header(("Authorization", format!("Bearer {t}")));
        }
        let mut res = req.send_json(body).await.expect("request");
        let status = res.status().as_u16();
        let json: Value = res.json().limit(16 * 1024 * 1024).await.expect("json body");
        (status, json)
    }

    /// Runs a query as the holder of `token`, expecting HTTP 200.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let (status, json) = self
            .post(token, &json!({ "query": query, "variables": variables }))
            .await;
        assert_eq!(status, 200, "unexpected status; body: {json}");
        json
    }

    /// Sends a GET to a path; returns status and body text.
    pub async fn get(&self, path: &str) -> (u16, String) {
        self.get_with(None, path).await
    }

    /// `GET path` with the holder of `token`, if any: the status and the body.
    pub async fn get_with(&self, token: Option<&str>, path: &str) -> (u16, String) {
        let client = awc::Client::default();
        let mut req = client.get(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.insert_header(("Authorization", format!("Bearer {t}")));
        }
        let mut res = req.send().await.expect("request");
        let body = res.body().await.expect("body");
        (
            res.status().as_u16(),
            String::from_utf8_lossy(&body).into_owned(),
        )
    }

    /// `GET /export/{file}` as the holder of `token`: the status and the NDJSON lines.
    pub async fn export(&self, token: Option<&str>, file: &str) -> (u16, Vec<Value>) {
        let client = awc::Client::builder()
            .timeout(std::time::Duration::from_secs(60))
            .finish();
        let mut req = client.get(format!("{}/export/{file}", self.base));
        if let Some(t) = token {
            req = req.insert_header(("Authorization", format!("Bearer {t}")));
        }
        let mut res = req.send().await.expect("request");
        let status = res.status().as_u16();
        let body = res.body().limit(64 * 1024 * 1024).await.expect("body");
        let lines = String::from_utf8_lossy(&body)
            .lines()
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_str(l).unwrap_or(Value::Null))
            .collect();
        (status, lines)
    }

    /// Finds the global id of a pilot by code, as a provincial or municipal user would.
    pub async fn pilot_id(&self, code: &str) -> String {
        let province = if code.starts_with("HC") {
            "450000"
        } else {
            "370000"
        };
        let t = token(&claims("provincial", Some(province)));
        let data = self
            .gql(
                Some(&t),
                "query($s:String){pilots(filter:{search:$s},first:5){edges{node{id code}}}}",
                json!({"s": code}),
            )
            .await;
        id_where(&data["data"]["pilots"], "code", code)
            .unwrap_or_else(|| panic!("pilot {code} not found: {data}"))
    }

    /// The global id of the organisation that applied for a pilot.
    pub async fn applicant_of(&self, code: &str) -> String {
        let province = if code.starts_with("HC") {
            "450000"
        } else {
            "370000"
        };
        let t = token(&claims("provincial", Some(province)));
        let id = self.pilot_id(code).await;
        let data = self
            .gql(
                Some(&t),
                "query($id:ID!){pilot(id:$id){applicant{id}}}",
                json!({"id": id}),
            )
            .await;
        data["data"]["pilot"]["applicant"]["id"]
            .as_str()
            .expect("applicant id")
            .to_owned()
    }

    /// The first and last day of a pilot's public notice.
    pub async fn notice_of(&self, province: &str, pilot: &str) -> (String, String) {
        let body = self
            .gql(
                Some(&token_for("provincial", Some(province))),
                "query($id:ID!){pilot(id:$id){noticeStartsOn noticeEndsOn}}",
                json!({"id": pilot}),
            )
            .await;
        let p = &body["data"]["pilot"];
        (
            p["noticeStartsOn"].as_str().expect("start").to_owned(),
            p["noticeEndsOn"].as_str().expect("end").to_owned(),
        )
    }

    /// The SQL statements run so far.
    pub fn statement_count(&self) -> usize {
        self.statements.load(Ordering::SeqCst)
    }
}

/// The id of the node of a connection whose `field` is `value`.
fn id_where(connection: &Value, field: &str, value: &str) -> Option<String> {
    connection["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .find(|e| e["node"][field] == value)
        .map(|e| e["node"]["id"].as_str().expect("id").to_owned())
}

/// Claims valid for an hour for a role and region.
pub fn claims(role: &str, region: Option<&str>) -> Claims {
    let now = Utc::now().timestamp();
    Claims {
        sub: format!("test-{role}"),
        role: role.into(),
        region: region.map(Into::into),
        org: None,
        dept: None,
        name: Some(format!("Test {role}")),
        exp: now + 3600,
        iat: Some(now),
        nbf: None,
        iss: None,
        aud: None,
    }
}

/// An HS256 token for the claims, signed with the test secret.
pub fn token(c: &Claims) -> String {
    mint_hs256(SECRET, c).expect("mint")
}

/// A token for a role and region.
pub fn token_for(role: &str, region: Option<&str>) -> String {
    token(&claims(role, region))
}

/// An applicant token for an organisation id.
pub fn applicant_token(org_id: &str) -> String {
    let mut c = claims("applicant", None);
    c.org = Some(org_id.into());
    token(&c)
}

/// The `extensions.code` of the first error, if any.
/// The hex SHA-1 of a document, as GraphQL Code Generator's client preset names it by default.
pub fn sha1_hex(text: &str) -> String {
    use sha1::Digest;
    hex::encode(sha1::Sha1::digest(text.as_bytes()))
}

pub fn error_code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}

/// The codes of a pilot connection's nodes, sorted.
pub fn codes(conn: &Value) -> Vec<String> {
    let mut v: Vec<String> = conn["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["code"].as_str().expect("code").to_owned())
        .collect();
    v.sort();
    v
}

impl TestApp {
    /// Moves the clock to 10:00 China time (02:00 UTC) on `day` (`YYYY-MM-DD`).
    pub fn set_day(&self, day: &str) {
        let d = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").expect("date");
        self.clock
            .set(d.and_hms_opt(2, 0, 0).expect("time").and_utc());
    }

    /// Runs a mutation taking one `input` of type `input_type`; returns the GraphQL body.
    pub async fn try_mutate(
        &self,
        token: &str,
        name: &str,
        input_type: &str,
        input: Value,
        select: &str,
    ) -> Value {
        let q =
            format!("mutation($input: {input_type}!) {{ {name}(input: $input) {{ {select} }} }}");
        self.gql(Some(token), &q, json!({ "input": input })).await
    }

    /// Runs a mutation that must succeed; returns its payload.
    pub async fn mutate(
        &self,
        token: &str,
        name: &str,
        input_type: &str,
        input: Value,
        select: &str,
    ) -> Value {
        let body = self
            .try_mutate(token, name, input_type, input, select)
            .await;
        assert!(body["errors"].is_null(), "{name} failed: {body}");
        body["data"][name].clone()
    }

    /// Runs a mutation that must fail; returns the error code.
    pub async fn refuse(&self, token: &str, name: &str, input_type: &str, input: Value) -> String {
        let body = self
            .try_mutate(token, name, input_type, input, "__typename")
            .await;
        assert!(
            body["data"].is_null(),
            "{name} should have been refused: {body}"
        );
        error_code(&body).unwrap_or("none").to_owned()
    }

    /// A pilot's status and version.
    pub async fn state_of(&self, pilot_id: &str) -> (String, i64) {
        let t = token_for(
            "auditor",
            Some(if self.is_hechi(pilot_id).await {
                "450000"
            } else {
                "370000"
            }),
        );
        let body = self
            .gql(
                Some(&t),
                "query($id:ID!){pilot(id:$id){status version}}",
                json!({"id": pilot_id}),
            )
            .await;
        let p = &body["data"]["pilot"];
        (
            p["status"].as_str().expect("status").to_owned(),
            p["version"].as_i64().expect("version"),
        )
    }

    async fn is_hechi(&self, pilot_id: &str) -> bool {
        let t = token_for("auditor", Some("450000"));
        let body = self
            .gql(
                Some(&t),
                "query($id:ID!){pilot(id:$id){id}}",
                json!({"id": pilot_id}),
            )
            .await;
        body["errors"].is_null()
    }

    /// The global id of the program whose pilots' codes start with `prefix`.
    pub async fn program_id(&self, prefix: &str) -> String {
        let t = token_for(
            "provincial",
            Some(if prefix == "HC" { "450000" } else { "370000" }),
        );
        let body = self
            .gql(
                Some(&t),
                "{programs(first:50){edges{node{id codePrefix}}}}",
                json!({}),
            )
            .await;
        id_where(&body["data"]["programs"], "codePrefix", prefix)
            .unwrap_or_else(|| panic!("program {prefix}: {body}"))
    }
}

/// A token with a department claim.
pub fn token_with_dept(role: &str, region: &str, dept: &str) -> String {
    let mut c = claims(role, Some(region));
    c.dept = Some(dept.into());
    token(&c)
}

/// Takes a lifecycle step with the pilot's current version; returns the new status.
pub async fn step(
    app: &TestApp,
    token: &str,
    name: &str,
    input_type: &str,
    pilot: &str,
    extra: Value,
) -> String {
    let input = transition_input(app, pilot, extra).await;
    let out = app
        .mutate(
            token,
            name,
            input_type,
            input,
            "pilot{status} event{action fromStatus toStatus}",
        )
        .await;
    assert_eq!(out["event"]["toStatus"], out["pilot"]["status"]);
    out["pilot"]["status"].as_str().expect("status").to_owned()
}

/// Like [`step`], expecting a refusal; returns the error code.
pub async fn refused_step(
    app: &TestApp,
    token: &str,
    name: &str,
    input_type: &str,
    pilot: &str,
    extra: Value,
) -> String {
    let input = transition_input(app, pilot, extra).await;
    app.refuse(token, name, input_type, input).await
}

/// The input of a lifecycle action on `pilot` at its current version, with `extra` fields.
pub async fn transition_input(app: &TestApp, pilot: &str, extra: Value) -> Value {
    let (_, version) = app.state_of(pilot).await;
    let mut input = json!({"pilotId": pilot, "version": version});
    if let Value::Object(more) = extra {
        input.as_object_mut().expect("object").extend(more);
    }
    input
}

/// A caller of the API: the app and one token, with a method per lifecycle action, so a test
/// reads `app.as_(&county).endorse(&pilot)`.
pub struct Caller<'a> {
    app: &'a TestApp,
    token: String,
}

impl TestApp {
    /// The holder of `token`, acting on this app.
    pub fn as_(&self, token: &str) -> Caller<'_> {
        Caller {
            app: self,
            token: token.to_owned(),
        }
    }
}

impl Caller<'_> {
    /// Takes a lifecycle action that needs only the pilot; returns the status it leads to.
    pub async fn act(&self, mutation: &str, pilot: &str) -> String {
        step(
            self.app,
            &self.token,
            mutation,
            "TransitionInput",
            pilot,
            json!({}),
        )
        .await
    }

    /// Takes a lifecycle action expecting a refusal; returns the error code.
    pub async fn refused(&self, mutation: &str, pilot: &str) -> String {
        refused_step(
            self.app,
            &self.token,
            mutation,
            "TransitionInput",
            pilot,
            json!({}),
        )
        .await
    }

    pub async fn submit(&self, pilot: &str) -> String {
        self.act("submitPilot", pilot).await
    }

    pub async fn endorse(&self, pilot: &str) -> String {
        self.act("endorsePilot", pilot).await
    }

    pub async fn recommend(&self, pilot: &str) -> String {
        self.act("recommendPilot", pilot).await
    }

    pub async fn designate(&self, pilot: &str) -> String {
        self.act("designatePilot", pilot).await
    }

    pub async fn forward_acceptance(&self, pilot: &str) -> String {
        self.act("forwardAcceptance", pilot).await
    }
}

/// The `/graphql` GET path that runs `q`.
pub fn query_path(q: &str) -> String {
    let encoded: String = q
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("/graphql?query={encoded}")
}

/// The nodes of a connection's edges, in order.
pub fn nodes_of(conn: &Value) -> Vec<Value> {
    conn["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}
