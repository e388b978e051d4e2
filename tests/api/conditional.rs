//! Conditional requests: a GET query or an export answered 304 while nothing changed for its
//! viewer, a fresh answer once anything is written, and never another viewer's tag.

use crate::helpers::*;
use serde_json::json;

/// A GET of `path_and_query` with a token and an optional `If-None-Match`: status, ETag, body.
async fn fetch(
    app: &TestApp,
    token: &str,
    path: &str,
    tag: Option<&str>,
) -> (u16, Option<String>, String) {
    let client = awc::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .finish();
    let mut req = client
        .get(format!("{}{path}", app.base))
        .insert_header(("Authorization", format!("Bearer {token}")));
    if let Some(t) = tag {
        req = req.insert_header(("If-None-Match", t.to_owned()));
    }
    let mut res = req.send().await.expect("request");
    let status = res.status().as_u16();
    let etag = res
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = res.body().limit(64 * 1024 * 1024).await.expect("body");
    (status, etag, String::from_utf8_lossy(&body).into_owned())
}

#[actix_web::test]
async fn an_unchanged_answer_is_not_sent_again_until_something_is_written() {
    let app = TestApp::spawn().await;
    let dezhou = token_for("municipal", Some("371400"));
    let path = query_path("{pilots(first:5){totalCount edges{node{code status}}}}");
    let (status, tag, body) = fetch(&app, &dezhou, &path, None).await;
    assert_eq!(status, 200, "{body}");
    let tag = tag.expect("a GET query carries an ETag");
    assert!(body.contains("totalCount"));
    // The same question, nothing written: 304 and no body.
    let (status, again, body) = fetch(&app, &dezhou, &path, Some(&tag)).await;
    assert_eq!(
        (status, again.as_deref(), body.as_str()),
        (304, Some(tag.as_str()), "")
    );
    // Another viewer, or another question, never matches that tag.
    let shandong = token_for("provincial", Some("370000"));
    assert_eq!(fetch(&app, &shandong, &path, Some(&tag)).await.0, 200);
    let other = query_path("{pilots(first:6){totalCount}}");
    assert_eq!(fetch(&app, &dezhou, &other, Some(&tag)).await.0, 200);
    // Answers that depend on the date (work queues, overdue reports) change with it.
    app.set_day("2026-11-22");
    let (_, dated, _) = fetch(&app, &dezhou, &path, None).await;
    app.set_day("2026-11-23");
    assert_eq!(fetch(&app, &dezhou, &path, dated.as_deref()).await.0, 200);
    let (_, tag, _) = fetch(&app, &dezhou, &path, None).await;
    let tag = tag.expect("tag");
    // A write anywhere moves the audit head: the answer is sent again, with a new tag.
    let county = token_for("county", Some("371481"));
    let park = app.pilot_id("SD-2023-PARK-0005").await;
    app.as_(&county).endorse(&park).await;
    let (status, fresh, _) = fetch(&app, &dezhou, &path, Some(&tag)).await;
    assert_eq!(status, 200);
    assert_ne!(fresh.as_deref(), Some(tag.as_str()));
    // POST is never cached.
    let (_, body) = app
        .post(Some(&dezhou), &json!({"query": "{me{role}}"}))
        .await;
    assert_eq!(body["data"]["me"]["role"], "MUNICIPAL");

    // Exports too.
    let (status, tag, _) = fetch(&app, &dezhou, "/export/pilots.ndjson", None).await;
    assert_eq!(status, 200);
    let tag = tag.expect("an export carries an ETag");
    let (status, _, body) = fetch(&app, &dezhou, "/export/pilots.ndjson", Some(&tag)).await;
    assert_eq!((status, body.as_str()), (304, ""));
}
