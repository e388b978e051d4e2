//! The real binary under a write load: killed with SIGKILL it loses no acknowledged mutation
//! and keeps nothing half-applied; stopped with SIGTERM it finishes in-flight requests, refuses
//! new ones and exits cleanly. On SQLite, and on PostgreSQL with `TEST_DATABASE_URL`.

use crate::helpers::*;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

struct Server {
    child: Child,
    base: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

async fn start(url: &str, data: &std::path::Path) -> Server {
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_carbon-pilots"))
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--workers",
            "2",
        ])
        .env("DATABASE_URL", url)
        .env("DATA_DIR", data)
        .env("JWT_SECRET", SECRET)
        .env("RUST_LOG", "error")
        .env("RATE_LIMIT_PER_MINUTE", "100000")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start carbon-pilots");
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..300 {
        if let Ok(res) = awc::Client::default()
            .get(format!("{base}/readyz"))
            .send()
            .await
            && res.status().is_success()
        {
            return Server { child, base };
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    child.kill().ok();
    child.wait().ok();
    panic!("the server did not become ready");
}

async fn gql(base: &str, token: &str, query: &str, variables: Value) -> Result<Value, String> {
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(30))
        .finish();
    let mut res = client
        .post(format!("{base}/graphql"))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .send_json(&json!({"query": query, "variables": variables}))
        .await
        .map_err(|e| e.to_string())?;
    let status = res.status().as_u16();
    let body: Value = res.json().await.map_err(|e| e.to_string())?;
    if status != 200 {
        return Err(format!("status {status}: {body}"));
    }
    Ok(body)
}

/// Writers creating key projects until the server goes away; returns the acknowledged names
/// and every answer that was neither a success nor a refused connection.
async fn load(
    base: String,
    token: String,
    pilot: String,
    acknowledged: Arc<Mutex<Vec<String>>>,
    bad: Arc<Mutex<Vec<String>>>,
    writer: usize,
) {
    let q = "mutation($i:CreateKeyProjectInput!){createKeyProject(input:$i){keyProject{id name}}}";
    for n in 0.. {
        let name = format!("w{writer}-{n}");
        let input = json!({"i": {"pilotId": pilot, "name": name, "field": "GREEN_TRANSPORT", "plannedInvestment": "10.00"}});
        match gql(&base, &token, q, input).await {
            Ok(body) if body["errors"].is_null() => acknowledged.lock().expect("lock").push(name),
            Ok(body) => bad.lock().expect("lock").push(body.to_string()),
            Err(e) if e.starts_with("status") => bad.lock().expect("lock").push(e),
            Err(_) => return, // connection refused or cut: the server is gone
        }
    }
}

async fn check_after_restart(
    url: &str,
    data: &std::path::Path,
    pilot: &str,
    applicant: &str,
    acknowledged: &[String],
) {
    let server = start(url, data).await;
    let body = gql(
        &server.base,
        applicant,
        "query($id:ID!){pilot(id:$id){keyProjects{name}}}",
        json!({"id": pilot}),
    )
    .await
    .expect("read");
    let names: HashSet<String> = body["data"]["pilot"]["keyProjects"]
        .as_array()
        .expect("projects")
        .iter()
        .map(|p| p["name"].as_str().expect("name").to_owned())
        .collect();
    for name in acknowledged {
        assert!(names.contains(name), "acknowledged project {name} was lost");
    }
    let auditor = token_for("auditor", Some("370000"));
    let q = "query($id:ID!){auditEvents(filter:{pilotId:$id,entityType:\"KeyProject\",action:\"CREATE\"}){totalCount} verifyAuditChain{valid firstBrokenSeq reason}}";
    let body = gql(&server.base, &auditor, q, json!({"id": pilot}))
        .await
        .expect("audit");
    assert_eq!(
        body["data"]["auditEvents"]["totalCount"].as_u64(),
        Some(names.len() as u64),
        "every project has its event: nothing half-applied"
    );
    assert_eq!(body["data"]["verifyAuditChain"]["valid"], true, "{body}");
    stop(server, "TERM").await;
}

async fn stop(mut server: Server, signal: &str) -> std::process::ExitStatus {
    if signal == "KILL" {
        server.child.kill().expect("kill");
    } else {
        Command::new("kill")
            .args([&format!("-{signal}"), &server.child.id().to_string()])
            .status()
            .expect("signal");
    }
    for _ in 0..400 {
        if let Some(status) = server.child.try_wait().expect("wait") {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server.child.kill().ok();
    panic!("the server did not stop after SIG{signal}");
}

async fn run_load_then(signal: &str) {
    let (url, dir) = fresh_database().await;
    let data = tempfile::tempdir().expect("data dir");
    let server = start(&url, data.path()).await;
    let provincial = token_for("provincial", Some("370000"));
    let q = "{pilots(filter:{search:\"SD-2023-CITY-0002\"}){edges{node{id applicant{id}}}}}";
    let body = gql(&server.base, &provincial, q, json!({}))
        .await
        .expect("find pilot");
    let pilot = body["data"]["pilots"]["edges"][0]["node"]["id"]
        .as_str()
        .expect("pilot")
        .to_owned();
    let applicant = applicant_token(
        body["data"]["pilots"]["edges"][0]["node"]["applicant"]["id"]
            .as_str()
            .expect("org"),
    );
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let bad = Arc::new(Mutex::new(Vec::new()));
    let writers: Vec<_> = (0..4)
        .map(|w| {
            actix_web::rt::spawn(load(
                server.base.clone(),
                applicant.clone(),
                pilot.clone(),
                acknowledged.clone(),
                bad.clone(),
                w,
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let status = stop(server, signal).await;
    for w in writers {
        w.await.expect("writer");
    }
    let acknowledged = acknowledged.lock().expect("lock").clone();
    assert!(
        acknowledged.len() >= 4,
        "the load ran: {} writes",
        acknowledged.len()
    );
    assert!(
        bad.lock().expect("lock").is_empty(),
        "no request failed other than by the server going away: {:?}",
        bad.lock().expect("lock")
    );
    if signal == "TERM" {
        assert!(status.success(), "a graceful stop exits 0: {status:?}");
    }
    check_after_restart(&url, data.path(), &pilot, &applicant, &acknowledged).await;
    drop(dir);
}

#[actix_web::test]
async fn a_killed_server_loses_no_acknowledged_write_and_keeps_nothing_half_applied() {
    run_load_then("KILL").await;
}

#[actix_web::test]
async fn a_terminated_server_finishes_in_flight_requests_and_exits_cleanly() {
    run_load_then("TERM").await;
}
