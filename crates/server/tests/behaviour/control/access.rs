//! Who opens the control plane: the admin token only, in constant time; closed
//! without one, but for health.

use collab_core::fixtures::Fixtures;
use collab_fake::InMemoryStore;
use collab_server::{ServerConfig, bind};
use reqwest::Method;

use super::{admin, get_as, server, status_and_json};

#[tokio::test]
async fn health_needs_no_credential_and_says_ok() {
    let server = server().await;
    let (status, body) = status_and_json(
        reqwest::get(format!("{}/_collab/health", server.url()))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["controlPlane"], "open");
    assert_eq!(body["journal"]["size"], 10_000);
}

#[tokio::test]
async fn without_an_admin_token_the_control_plane_is_closed_but_health_answers() {
    let store = InMemoryStore::new();
    let sessions = store.clone();
    let config = ServerConfig::new(move |user: &str| sessions.session(user))
        .with_state_admin(store, Fixtures::default());
    let handle = bind("127.0.0.1:0".parse().unwrap(), config)
        .await
        .unwrap()
        .spawn();
    let health = reqwest::get(format!("{}/_collab/health", handle.base_url()))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    for route in ["/state", "/requests"] {
        let (status, body) = status_and_json(
            get_as(format!("{}/_collab{route}", handle.base_url()), "anything").await,
        )
        .await;
        assert_eq!(status, 403, "{route}");
        assert_eq!(body["code"], "CONTROL_PLANE_CLOSED");
        let message = body["error"].as_str().unwrap();
        assert!(message.contains("--admin-token"), "{message}");
    }
    handle.shutdown().await;
}

#[tokio::test]
async fn an_api_token_or_a_wrong_admin_token_does_not_open_it() {
    let server = server().await;
    let wrong = format!("{}x", server.admin_token());
    let prefix = &server.admin_token()[..server.admin_token().len() - 1];
    for presented in [server.token(), wrong.as_str(), prefix, ""] {
        let response = get_as(format!("{}/_collab/state", server.url()), presented).await;
        let (status, body) = status_and_json(response).await;
        assert_eq!(status, 401, "{presented:?}");
        assert_eq!(body["code"], "UNAUTHORIZED");
        let text = body.to_string();
        assert!(!text.contains(server.admin_token()), "{text}");
    }
    // Nothing at all: the same refusal, saying how to send the token.
    let (status, body) = status_and_json(
        reqwest::get(format!("{}/_collab/requests", server.url()))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 401);
    assert!(body["error"].as_str().unwrap().contains("Bearer"), "{body}");
}

#[tokio::test]
async fn the_admin_token_opens_it_as_a_bearer_or_in_the_query_and_is_no_api_user() {
    let server = server().await;
    assert_eq!(admin(&server, Method::GET, "/state").await.status(), 200);
    let query = reqwest::get(format!(
        "{}/_collab/requests?token={}",
        server.url(),
        server.admin_token()
    ))
    .await
    .unwrap();
    assert_eq!(query.status(), 200);
    // The admin token is not an API user's.
    let api = get_as(server.access_url(&server.dataset()), server.admin_token()).await;
    assert_eq!(api.status(), 401);
}

#[tokio::test]
async fn no_user_may_be_given_the_admin_token() {
    let server = server().await;
    let refused = server
        .control()
        .add_user("mallory", Some(server.admin_token()))
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(400));
    assert!(
        !refused.to_string().contains(server.admin_token()),
        "{refused}"
    );
    let state = server.control().state().await.unwrap();
    assert!(state.user("mallory").is_none());
}

#[tokio::test]
async fn the_control_plane_documents_itself() {
    let server = server().await;
    let document: serde_json::Value =
        reqwest::get(format!("{}/_collab/openapi.json", server.url()))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    let paths = document["paths"].as_object().expect("paths");
    for route in [
        "/_collab/health",
        "/_collab/state",
        "/_collab/reset",
        "/_collab/users",
        "/_collab/datasets",
        "/_collab/requests",
    ] {
        assert!(paths.contains_key(route), "{route} is not documented");
    }
    // An unknown control route is a JSON 404, not the API's.
    let (status, body) = status_and_json(admin(&server, Method::GET, "/nope").await).await;
    assert_eq!(status, 404);
    assert!(
        body["error"].as_str().unwrap().contains("/_collab/nope"),
        "{body}"
    );
}
