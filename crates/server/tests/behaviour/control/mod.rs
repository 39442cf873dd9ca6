//! The control plane under `/_collab`: its credential, the state, reset, users and
//! datasets, and the request journal, over the fake and the durable store.

mod access;
mod assertions;
mod dashboard;
mod durable;
mod explained;
mod faults;
mod journal;
mod state;
mod wire_faults;

use collab_server::testing::TestServer;
use reqwest::{Client, Response};
use serde_json::Value;

/// A started test server; a failure to start is the test's failure.
pub(crate) async fn server() -> TestServer {
    TestServer::start().await.expect("the test server starts")
}

/// `GET` or `DELETE` etc. of a control route with the server's admin token.
pub(crate) async fn admin(server: &TestServer, method: reqwest::Method, route: &str) -> Response {
    Client::new()
        .request(method, format!("{}/_collab{route}", server.url()))
        .bearer_auth(server.admin_token())
        .send()
        .await
        .expect("the server answers")
}

/// `GET url` with `token` as a bearer token.
pub(crate) async fn get_as(url: impl reqwest::IntoUrl, token: &str) -> Response {
    Client::new()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("the server answers")
}

/// A control route with a JSON body and the admin token.
pub(crate) async fn admin_json(
    server: &TestServer,
    method: reqwest::Method,
    route: &str,
    body: &Value,
) -> Response {
    Client::new()
        .request(method, format!("{}/_collab{route}", server.url()))
        .bearer_auth(server.admin_token())
        .json(body)
        .send()
        .await
        .expect("the server answers")
}

/// Shares the server's dataset with `users` through the API, as its user; the status.
pub(crate) async fn share(server: &TestServer, users: &[&str]) -> u16 {
    Client::new()
        .post(server.access_url(&server.dataset()))
        .bearer_auth(server.token())
        .json(&serde_json::json!({"accessType": "WRITE", "users": users}))
        .send()
        .await
        .expect("the server answers")
        .status()
        .as_u16()
}

/// The status and JSON body of an answer.
pub(crate) async fn status_and_json(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let body = response.json().await.expect("a JSON body");
    (status, body)
}
