//! The dashboard of `collab serve` (`/_collab/`) as a person sees it: the real binary,
//! Debian's Chromium driven over WebDriver by chromedriver, and the page's own polling.
//! A missing Chromium or chromedriver fails the test, saying what to install. Unix
//! only: chromedriver and its Chromium are stopped as one process group.

#![cfg(unix)]

use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::support::poll::until;
use crate::support::served::{Scratch, example_fixtures};
use crate::support::{ServeProcess, collab_command, run_collab};
use collab::server::testing::{ControlClient, RequestFilter};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

/// The longest any one thing the page owes may take to show (the page polls every
/// 700 ms; a machine 10x slower still passes).
const WAIT: Duration = Duration::from_secs(10);
const ADMIN_TOKEN: &str = "dashboard-admin-secret-4711";
/// In `docs/fixtures.toml`: alice owns it, shared with ann and cy.
const DATASET: &str = "5f0e4a6b2c1d3e4f5a6b7c8d";
const ALICE_TOKEN: &str = "alice-token";
const INSTALL: &str = "the dashboard's browser test needs Chromium and chromedriver: \
     apt-get install chromium chromium-driver (.ci/setup installs them)";

/// A program on the `PATH`, or the test's failure naming what to install.
fn on_path(program: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| panic!("{program} is not on the PATH: {INSTALL}"))
}

/// chromedriver on a free loopback port, in a process group of its own with the
/// Chromium it starts: both are killed when dropped, even when the test fails before
/// it closes its session.
struct Chromedriver {
    child: Child,
    url: String,
}

impl Chromedriver {
    fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(on_path("chromedriver"))
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("chromedriver does not start ({e}): {INSTALL}"));
        until(
            &format!("chromedriver listening on {port}"),
            Duration::from_secs(30),
            || TcpStream::connect(("127.0.0.1", port)).is_ok(),
        );
        Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A headless Chromium session with a fresh profile, offline from everything but
/// what the page asks for.
async fn browser(driver: &Chromedriver, profile: &Scratch) -> Client {
    let chromium = on_path("chromium");
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-quic", "--window-size=1280,1400",
                format!("--user-data-dir={}", profile.path().display()),
            ],
        },
    });
    let Value::Object(capabilities) = capabilities else {
        unreachable!("an object")
    };
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .unwrap_or_else(|e| panic!("chromedriver opens a Chromium session ({e}): {INSTALL}"))
}

/// Waits (bounded by [`WAIT`]) for an element the XPath names; a failure shows what
/// the page showed instead.
async fn shown(page: &Client, xpath: &str) -> fantoccini::elements::Element {
    match page
        .wait()
        .at_most(WAIT)
        .for_element(Locator::XPath(xpath))
        .await
    {
        Ok(element) => element,
        Err(error) => {
            let text = page
                .execute("return document.body.innerText;", vec![])
                .await;
            panic!("the page shows {xpath} within {WAIT:?} ({error}); it shows:\n{text:?}")
        }
    }
}

async fn text_of(page: &Client, css: &str) -> String {
    page.find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Clicks the element `css` names, as a person would.
async fn click(page: &Client, css: &str) {
    let element = page
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("the page has {css}: {e}"));
    element.click().await.unwrap();
}

/// Types `text` into the field with this id, replacing what it held.
async fn type_into(page: &Client, id: &str, text: &str) {
    let field = page.find(Locator::Id(id)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// A journal row of the page: `#`, time, method, path, user, status (with the reason of
/// a failure beneath it), generation, latency, fault; the seq is a `th`, the rest `td`s.
fn journal_row(method: &str, path: &str, status: &str) -> String {
    format!(
        "//table[@id='journal']/tbody/tr[td[2]='{method}' and td[3]='{path}' and td[5]/text()[1]='{status}']"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_shows_the_state_and_traffic_live_and_acts_through_the_control_plane() {
    let scratch = Scratch::new("dashboard");
    let log_path = scratch.path().join("serve.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut command = collab_command();
    // The control plane's access lines are at DEBUG: log them, to check them for the token.
    command
        .env("RUST_LOG", "info,collab_server::access=debug")
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--seed",
            &example_fixtures(),
            "--admin-token",
            ADMIN_TOKEN,
        ]);
    let server = ServeProcess::spawn_with_stderr(command, log);
    let url = server.url.clone();
    let control = ControlClient::new(&url, ADMIN_TOKEN);
    let driver = Chromedriver::start();
    let profile = Scratch::new("dashboard-profile");
    let page = browser(&driver, &profile).await;

    // Without a token the page asks for one and says how to get it; a wrong one is refused.
    page.goto(&format!("{url}/_collab/")).await.unwrap();
    // Keep every request the page makes for the check at the end, however slow the run.
    page.execute("performance.setResourceTimingBufferSize(1000000);", vec![])
        .await
        .unwrap();
    shown(&page, "//section[@id='sign-in' and not(@hidden)]").await;
    let help = text_of(&page, "#sign-in").await;
    assert!(
        help.contains("--admin-token") && help.contains("--demo"),
        "{help}"
    );
    type_into(&page, "token-input", "not-the-admin-token").await;
    click(&page, "#sign-in-form button").await;
    shown(
        &page,
        "//p[@id='sign-in-reason' and contains(., 'refused')]",
    )
    .await;

    // The banner's link: the token in the fragment, which leaves the address bar.
    page.goto(&format!("{url}/_collab/#token={ADMIN_TOKEN}"))
        .await
        .unwrap();
    shown(&page, "//table[@id='users']//th[.='alice']").await;
    shown(
        &page,
        "//table[@id='datasets']//td[.='ann@example.com, cy@example.com']",
    )
    .await;
    let address = page.current_url().await.unwrap();
    assert!(!address.as_str().contains(ADMIN_TOKEN), "{address}");
    let users = text_of(&page, "#users").await;
    assert!(
        users.contains("bob") && !users.contains(ALICE_TOKEN),
        "tokens are masked: {users}"
    );

    // A grant from the command line shows up without a reload, and so do its requests.
    let granted = run_collab(
        &url,
        Some(ALICE_TOKEN),
        &["grant", DATASET, "zed@example.com"],
    )
    .await;
    assert_eq!(granted.code, 0, "{granted:?}");
    shown(
        &page,
        "//table[@id='datasets']//td[contains(., 'zed@example.com')]",
    )
    .await;
    let access = format!("/v1/datasets/{DATASET}/collaboration/access");
    let posted = shown(&page, &journal_row("POST", &access, "201")).await;
    shown(&page, &journal_row("GET", &access, "200")).await;
    // A click on the request shows its body.
    posted
        .find(Locator::Css("th button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let body = shown(&page, "//section[@id='body-view' and not(@hidden)]//pre").await;
    assert!(body.text().await.unwrap().contains("zed@example.com"));

    // A rule the control plane refuses is shown with its reason, and nothing is armed.
    type_into(&page, "fault-status", "").await;
    click(&page, "#fault-applied").await;
    click(&page, "#fault-form button[type=submit]").await;
    let refusal = shown(&page, "//p[@id='fault-error' and contains(., 'status')]").await;
    assert!(refusal.text().await.unwrap().contains("applied"));
    assert_eq!(control.faults().await.unwrap(), Vec::<Value>::new());
    click(&page, "#fault-applied").await;

    // A fault rule added with the form is armed, and the next matching call fails.
    page.find(Locator::Id("fault-operation"))
        .await
        .unwrap()
        .select_by_value("list")
        .await
        .unwrap();
    type_into(&page, "fault-dataset", DATASET).await;
    type_into(&page, "fault-status", "403").await;
    click(&page, "#fault-form button[type=submit]").await;
    shown(
        &page,
        "//table[@id='faults']/tbody/tr[td[1]='list' and td[3]='403']",
    )
    .await;
    assert_eq!(text_of(&page, "#fault-error").await, "");
    let armed = control.faults().await.unwrap();
    assert_eq!(armed.len(), 1, "{armed:?}");
    let rule = &armed[0];
    assert_eq!(
        (
            &rule["operation"],
            &rule["dataset"],
            &rule["status"],
            &rule["times"]
        ),
        (&json!("list"), &json!(DATASET), &json!(403), &json!(1)),
        "{rule}"
    );
    let listed = run_collab(&url, Some(ALICE_TOKEN), &["list", DATASET]).await;
    assert_ne!(listed.code, 0, "{listed:?}");
    let id = rule["id"].as_u64().unwrap();
    shown(
        &page,
        &format!(
            "{}[td[8]='⚡ rule {id}' and td[5]/span[@class='reason']='fault rule {id} fired']",
            journal_row("GET", &access, "403")
        ),
    )
    .await;
    // matched and fired (the rule row's 6th and 7th cells).
    shown(
        &page,
        "//table[@id='faults']/tbody/tr[td[1]='list' and td[6]='1' and td[7]='1']",
    )
    .await;
    std::fs::create_dir_all("target").unwrap();
    std::fs::write("target/dashboard.png", page.screenshot().await.unwrap()).unwrap();

    // Remove disarms it.
    click(
        &page,
        &format!("button[aria-label='Remove fault rule {id}']"),
    )
    .await;
    shown(
        &page,
        "//table[@id='faults']//td[.='No fault rule is armed.']",
    )
    .await;
    assert_eq!(control.faults().await.unwrap(), Vec::<Value>::new());

    // The wire's fields: a rule by path alone, dropping the connection with garbage,
    // is armed as the form says and shown in the rules' table.
    page.find(Locator::Id("fault-operation"))
        .await
        .unwrap()
        .select_by_value("")
        .await
        .unwrap();
    type_into(&page, "fault-dataset", "").await;
    type_into(&page, "fault-path", "/v1/versions/*").await;
    page.find(Locator::Id("fault-drop"))
        .await
        .unwrap()
        .select_by_value("garbage")
        .await
        .unwrap();
    click(&page, "#fault-form button[type=submit]").await;
    shown(
        &page,
        "//table[@id='faults']/tbody/tr[td[1]='(by path)' and td[2]='path /v1/versions/*' and contains(td[3], 'drop: garbage')]",
    )
    .await;
    let armed = control.faults().await.unwrap();
    assert_eq!(armed.len(), 1, "{armed:?}");
    assert_eq!(
        (&armed[0]["path"], &armed[0]["drop"], &armed[0]["operation"]),
        (&json!("/v1/versions/*"), &json!("garbage"), &Value::Null),
        "{}",
        armed[0]
    );
    control.disarm_all_faults().await.unwrap();
    shown(
        &page,
        "//table[@id='faults']//td[.='No fault rule is armed.']",
    )
    .await;

    // Emptying the journal empties it on the server too.
    let journal = control.requests(&RequestFilter::new()).await.unwrap();
    click(&page, "#clear-journal").await;
    shown(
        &page,
        "//p[@id='notice' and starts-with(., 'The journal is empty')]",
    )
    .await;
    shown(&page, "//table[@id='journal']//td[.='No request yet.']").await;
    assert_eq!(
        control.requests(&RequestFilter::new()).await.unwrap(),
        vec![]
    );

    // Reset brings the seed back: zed goes.
    click(&page, "#reset").await;
    shown(&page, "//p[@id='notice' and starts-with(., 'Reset')]").await;
    let datasets = text_of(&page, "#datasets").await;
    assert!(
        datasets.contains("ann@example.com, cy@example.com") && !datasets.contains("zed"),
        "{datasets}"
    );
    let state = control.state().await.unwrap();
    assert!(!format!("{state:?}").contains("zed@example.com"));

    // No request left the page for another host.
    let resources = page
        .execute(
            "return performance.getEntriesByType('resource').map((entry) => entry.name);",
            vec![],
        )
        .await
        .unwrap();
    let resources: Vec<String> = serde_json::from_value(resources).unwrap();
    assert!(
        resources
            .iter()
            .any(|name| name.ends_with("/_collab/dashboard.js")),
        "{resources:?}"
    );
    assert!(
        resources
            .iter()
            .any(|name| name.contains("/_collab/requests")),
        "{resources:?}"
    );
    for name in &resources {
        assert!(
            name.starts_with(&format!("{url}/")),
            "{name} is not the server's"
        );
    }
    page.close().await.unwrap();

    // The admin token is in no URL the server received: not in the journal (read
    // before it was emptied), not in the access log.
    let journaled = serde_json::to_string(&journal).unwrap();
    assert!(journaled.contains("zed@example.com"), "{journaled}");
    assert!(!journaled.contains(ADMIN_TOKEN));
    assert!(server.stop(), "the server stops cleanly");
    let logged = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        logged.contains("/_collab/requests"),
        "the access log saw the page: {logged}"
    );
    assert!(!logged.contains(ADMIN_TOKEN), "{logged}");
}
