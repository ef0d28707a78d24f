//! An HTTP service that scores and qualifies one lead per request (a web
//! form, a CRM webhook), sharing one prepared model and policy between all
//! its threads.
//!
//! ```text
//! cargo run --release --example service -- [--model M.json --policy P.toml
//!     (--cuts CUTS.json | --reference LEADS.csv)] [--addr 127.0.0.1:8080]
//! ```
//!
//! Without `--model` it trains on synthetic deals and freezes the example
//! policy's capacity cut from synthetic leads, so it runs on a fresh clone.
//!
//! - `POST /score` with a lead as a JSON object of column → value (text,
//!   number, `true`/`false`, `null` for missing): `{"id", "probability",
//!   "points", "unseen"}`.
//! - `POST /qualify` with a lead: its decision (tier, route, owner, SLA and
//!   due time, points, failed rules, gap, contributions, the frozen cuts'
//!   reference) and `reasons` in one line.
//!
//! A lead that cannot be read is answered `400` with `{"error": ...}`
//! naming the column and value.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use leadscore::data::lead::Lead;
use leadscore::{ErrorKind, FrozenCuts, Model, Policy, Qualifier};
use serde_json::{json, Value};

/// The routes, sharing `qualifier`.
fn app(qualifier: Arc<Qualifier>) -> Router {
    Router::new()
        .route("/score", post(score))
        .route("/qualify", post(qualify))
        .with_state(qualifier)
}

/// A failed request: the status and `{"error": message}`.
struct Failure(StatusCode, String);

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

impl From<leadscore::Error> for Failure {
    fn from(e: leadscore::Error) -> Failure {
        let status = match e.kind() {
            ErrorKind::Data | ErrorKind::ColumnType => StatusCode::BAD_REQUEST,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        Failure(status, e.to_string())
    }
}

impl From<JsonRejection> for Failure {
    fn from(e: JsonRejection) -> Failure {
        Failure(StatusCode::BAD_REQUEST, e.body_text())
    }
}

async fn score(
    State(q): State<Arc<Qualifier>>,
    lead: Result<Json<Lead>, JsonRejection>,
) -> Result<Json<Value>, Failure> {
    let Json(lead) = lead?;
    let s = q.score_one(&lead)?;
    Ok(Json(json!({
        "id": s.id,
        "probability": s.probability,
        "points": s.points,
        "unseen": s.unseen,
    })))
}

async fn qualify(
    State(q): State<Arc<Qualifier>>,
    lead: Result<Json<Lead>, JsonRejection>,
) -> Result<Json<Value>, Failure> {
    let Json(lead) = lead?;
    let d = q.decide_one(&lead)?;
    let reasons = d.reasons(3);
    let mut out = serde_json::to_value(&d).map_err(|e| {
        Failure(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the decision as JSON: {e}"),
        )
    })?;
    out["reasons"] = Value::String(reasons);
    Ok(Json(out))
}

/// The command line.
struct Args {
    model: Option<PathBuf>,
    policy: Option<PathBuf>,
    cuts: Option<PathBuf>,
    reference: Option<PathBuf>,
    addr: SocketAddr,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        model: None,
        policy: None,
        cuts: None,
        reference: None,
        addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--model" => args.model = Some(value()?.into()),
            "--policy" => args.policy = Some(value()?.into()),
            "--cuts" => args.cuts = Some(value()?.into()),
            "--reference" => args.reference = Some(value()?.into()),
            "--addr" => {
                let v = value()?;
                args.addr = v.parse().map_err(|e| format!("--addr {v:?}: {e}"))?;
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(args)
}

/// The example policy, its capacity tier frozen from `reference`.
fn example_policy() -> leadscore::Result<Policy> {
    Policy::load(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/policy.toml"))
}

/// A model trained on synthetic deals and the example policy frozen from
/// synthetic leads: what the service runs without files.
fn built_in() -> leadscore::Result<Qualifier> {
    let deals = leadscore::synthetic::deals(5_000, 1).table;
    let model = Model::params()
        .target("outcome")
        .id("deal_id")
        .ignore(["created_at", "closed_at", "deal_value"])
        .l2(3.0)
        .fit(&deals)?;
    let policy = example_policy()?;
    let reference = leadscore::synthetic::deals(5_000, 2).table;
    let cuts = policy.freeze(&model, &reference)?;
    Qualifier::new(model, policy.with_cuts(cuts)?)
}

fn prepare(args: &Args) -> leadscore::Result<Qualifier> {
    let Some(model_path) = &args.model else {
        return built_in();
    };
    let model = Model::load(model_path)?;
    let mut policy = match &args.policy {
        Some(p) => Policy::load(p)?,
        None => example_policy()?,
    };
    if let Some(c) = &args.cuts {
        policy = policy.with_cuts(FrozenCuts::load(c)?)?;
    } else if let Some(r) = &args.reference {
        let reference = leadscore::Table::from_csv_path(r)?;
        let cuts = policy.freeze(&model, &reference)?;
        policy = policy.with_cuts(cuts)?;
    }
    Qualifier::new(model, policy)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let prepared =
        parse_args().and_then(|args| prepare(&args).map(|q| (args, q)).map_err(|e| e.to_string()));
    let (args, qualifier) = match prepared {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(args.addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {}: {e}", args.addr);
            return std::process::ExitCode::from(2);
        }
    };
    eprintln!(
        "leadscore service on http://{} (POST /score, POST /qualify)",
        args.addr
    );
    if let Err(e) = axum::serve(listener, app(Arc::new(qualifier))).await {
        eprintln!("error: {e}");
        return std::process::ExitCode::from(1);
    }
    std::process::ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    /// POSTs `body` to `path` on `addr` (HTTP/1.1, one request per
    /// connection): the status and the JSON answer.
    fn post(addr: SocketAddr, path: &str, body: &str) -> (u16, Value) {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        write!(
            stream,
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        let (head, body) = answer.split_once("\r\n\r\n").unwrap();
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        (status, serde_json::from_str(body).unwrap())
    }

    /// Row `r` of `table` as a JSON object, numbers as numbers.
    fn lead_json(table: &leadscore::Table, r: usize) -> String {
        let mut out = serde_json::Map::new();
        for c in table.column_names() {
            let v = match table.cell(r, c).unwrap() {
                None => Value::Null,
                Some(s) => match s.parse::<f64>() {
                    Ok(x) => json!(x),
                    Err(_) => Value::String(s.into_owned()),
                },
            };
            out.insert(c.clone(), v);
        }
        Value::Object(out).to_string()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_service_answers_as_the_library_does() {
        let qualifier = Arc::new(built_in().unwrap());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = axum::serve(listener, app(qualifier.clone()));
        tokio::spawn(async move { server.await });
        let leads = leadscore::synthetic::deals(60, 77).table;
        let q = qualifier.clone();
        tokio::task::spawn_blocking(move || {
            let policy = q.policy().as_ref();
            let mut tiers = std::collections::BTreeSet::new();
            for r in 0..leads.n_rows() {
                let body = lead_json(&leads, r);
                let want = policy.qualify(q.model(), &leads.take_rows(&[r])).unwrap();
                let (status, scored) = post(addr, "/score", &body);
                assert_eq!(status, 200, "{scored}");
                assert_eq!(scored["points"].as_f64().unwrap(), want[0].points);
                assert_eq!(scored["id"], json!(want[0].id));
                let (status, decided) = post(addr, "/qualify", &body);
                assert_eq!(status, 200, "{decided}");
                assert_eq!(decided["tier"], json!(want[0].tier));
                assert_eq!(decided["route"], json!(want[0].route.to_string()));
                assert_eq!(decided["reasons"], json!(want[0].reasons(3)));
                assert_eq!(decided["cuts"]["leads"], json!(5_000));
                tiers.insert(want[0].tier.clone());
            }
            assert!(tiers.len() >= 2, "the leads span tiers: {tiers:?}");
            // Bad leads are answered 400, naming what is wrong.
            let (status, e) = post(addr, "/score", r#"{"deal_id": "x"}"#);
            assert_eq!(status, 400);
            assert!(e["error"].as_str().unwrap().contains("column"), "{e}");
            let mut bad: Value = serde_json::from_str(&lead_json(&leads, 0)).unwrap();
            bad["employees"] = json!("many");
            let (status, e) = post(addr, "/qualify", &bad.to_string());
            assert_eq!(status, 400);
            let message = e["error"].as_str().unwrap();
            assert!(
                message.contains("employees") && message.contains("many"),
                "{e}"
            );
            let (status, e) = post(addr, "/score", r#"{"tags": [1, 2]}"#);
            assert_eq!(status, 400);
            assert!(e["error"].as_str().unwrap().contains("tags"), "{e}");
        })
        .await
        .unwrap();
    }
}
