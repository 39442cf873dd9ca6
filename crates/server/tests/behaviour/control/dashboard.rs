//! The dashboard's files under `/_collab/`: served without the admin token, with a
//! strict Content-Security-Policy, never cached, and out of the request journal.

use reqwest::{Method, Response};

use super::{admin, server};

const CSP: &str =
    "default-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'";

fn header<'a>(response: &'a Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("the answer has a {name} header"))
        .to_str()
        .unwrap()
}

#[tokio::test]
async fn the_page_and_its_files_are_served_without_a_token_under_a_strict_policy() {
    let server = server().await;
    let mut total = 0;
    for (route, content_type) in [
        ("/", "text/html; charset=utf-8"),
        ("/dashboard.js", "text/javascript; charset=utf-8"),
        ("/dashboard.css", "text/css; charset=utf-8"),
    ] {
        let answer = reqwest::get(format!("{}/_collab{route}", server.url()))
            .await
            .unwrap();
        assert_eq!(answer.status(), 200, "{route}");
        assert_eq!(header(&answer, "content-type"), content_type, "{route}");
        assert_eq!(header(&answer, "content-security-policy"), CSP, "{route}");
        assert_eq!(header(&answer, "cache-control"), "no-store", "{route}");
        total += answer.text().await.unwrap().len();
    }
    // A few tens of KB in all: a page, not an application.
    assert!(total < 64 * 1024, "the dashboard is {total} bytes");
}

#[tokio::test]
async fn the_page_holds_no_inline_script_and_no_other_host() {
    let server = server().await;
    let page = reqwest::get(format!("{}/_collab/", server.url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let scripts: Vec<&str> = page.split("<script").skip(1).collect();
    assert_eq!(scripts.len(), 1, "{page}");
    assert!(
        scripts[0].starts_with(r#" src="/_collab/dashboard.js" defer></script>"#),
        "{}",
        scripts[0]
    );
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "{page}"
    );
    assert!(!page.contains(server.admin_token()), "{page}");
}

#[tokio::test]
async fn loading_the_dashboard_is_not_journaled() {
    let server = server().await;
    for route in ["/", "/dashboard.js", "/dashboard.css"] {
        let answer = reqwest::get(format!("{}/_collab{route}", server.url()))
            .await
            .unwrap();
        assert_eq!(answer.status(), 200, "{route}");
    }
    let journal: serde_json::Value = admin(&server, Method::GET, "/requests")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(journal, serde_json::json!([]));
}

#[tokio::test]
async fn the_prefix_without_its_slash_is_sent_to_the_page() {
    let server = server().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = client
        .get(format!("{}/_collab", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 308);
    assert_eq!(header(&answer, "location"), "/_collab/");
}
