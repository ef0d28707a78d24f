//! The evidence subcommands end to end: audit, evaluate, conversion, drift
//! (and the `score` warning), diff, report (rendered in headless Chromium).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{policy_path, run_cli, succeeded, succeeded_stdout, temp_dir, train_synthetic};
use leadscore::{synthetic, Target, Values};

fn write_deals(dir: &Path, name: &str, table: &leadscore::Table) {
    let mut f = std::fs::File::create(dir.join(name)).unwrap();
    table.write_csv(&mut f).unwrap();
}

/// Synthetic deals left-joined with closed-deal attributes only won deals have.
fn left_joined(n: usize, seed: u64) -> leadscore::Table {
    let mut t = synthetic::deals(n, seed).table;
    let (_, y) = Target::resolve(&t, "outcome", &[], &[]).unwrap();
    let won_only = |v: &str| Values::Text((0..n).map(|r| y[r].then(|| v.to_string())).collect());
    t.set_column("contract_signed_date", won_only("2025-03-01"))
        .unwrap();
    t.set_column("won_reason", won_only("champion")).unwrap();
    t.set_column(
        "contract_value",
        Values::Number((0..n).map(|r| y[r].then_some(1000.0 + r as f64)).collect()),
    )
    .unwrap();
    t
}

#[test]
fn audit_json_lists_findings_most_severe_first_and_can_drop_them() {
    let dir = temp_dir("ev-audit");
    write_deals(&dir, "deals.csv", &left_joined(3_000, 5));
    let out = succeeded_stdout(&run_cli(
        &[
            "audit",
            "deals.csv",
            "--target",
            "outcome",
            "--id",
            "deal_id",
            "--ignore",
            "closed_at",
            "--format",
            "json",
            "--drop-flagged",
            "clean.csv",
        ],
        &dir,
    ));
    let findings: serde_json::Value = serde_json::from_str(&out).unwrap();
    let list = findings.as_array().unwrap();
    let columns: Vec<&str> = list.iter().map(|f| f["column"].as_str().unwrap()).collect();
    let mut sorted = columns.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        ["contract_signed_date", "contract_value", "won_reason"],
        "{out}"
    );
    for f in list {
        assert_eq!(f["reason"], "filled_only_for_won", "{f}");
        assert_eq!(f["figure"].as_f64(), Some(1.0));
    }
    let clean = leadscore::Table::from_csv_path(dir.join("clean.csv")).unwrap();
    assert_eq!(clean.n_rows(), 3_000);
    assert!(clean.column("won_reason").is_none());
    assert!(clean.column("demo_requested").is_some());

    // train warns about the same columns.
    let err = train_synthetic(&dir, "m.json", &[]);
    for c in ["contract_signed_date", "contract_value", "won_reason"] {
        assert!(
            err.contains(&format!("warning: possible leak: column {c:?}")),
            "{err}"
        );
    }
    assert_eq!(err.matches("possible leak").count(), 3, "{err}");

    // --drop-leaks leaves them out.
    let err = train_synthetic(&dir, "clean.json", &["--drop-leaks"]);
    assert_eq!(err.matches("warning: dropped column").count(), 3, "{err}");
    let model = leadscore::Model::load(dir.join("clean.json")).unwrap();
    assert_eq!(model.feature_columns().len(), 12);
    assert!(!model.feature_columns().contains(&"won_reason"));
}

#[test]
fn evaluate_conversion_drift_and_diff() {
    let dir = temp_dir("ev-cli");
    write_deals(&dir, "deals.csv", &synthetic::deals(3_000, 6).table);
    std::fs::write(
        dir.join("sheet.csv"),
        "column,value,points\njob_seniority,VP,20\ndemo_requested,yes,15\nemployees,500+,10\n",
    )
    .unwrap();
    let out = succeeded_stdout(&run_cli(
        &[
            "evaluate",
            "deals.csv",
            "--target",
            "outcome",
            "--id",
            "deal_id",
            "--ignore",
            "closed_at",
            "--time-column",
            "created_at",
            "--l2",
            "3",
            "--cut-points",
            "45",
            "--points-sheet",
            "sheet.csv",
            "--bootstrap",
            "50",
        ],
        &dir,
    ));
    assert!(out.contains("out of time"), "{out}");
    assert!(out.contains("base rate"), "{out}");
    assert!(out.contains("At 45 points"), "{out}");
    assert!(out.contains("Hand-set against learned points"), "{out}");
    let json = succeeded_stdout(&run_cli(
        &[
            "evaluate",
            "deals.csv",
            "--target",
            "outcome",
            "--id",
            "deal_id",
            "--ignore",
            "closed_at",
            "--ignore",
            "created_at",
            "--l2",
            "3",
            "--folds",
            "3",
            "--format",
            "json",
        ],
        &dir,
    ));
    let e: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(e["test_rows"], 3000);
    assert_eq!(e["calibration"].as_array().unwrap().len(), 10);

    train_synthetic(&dir, "old.json", &[]);
    let conv = succeeded_stdout(&run_cli(
        &[
            "conversion",
            "deals.csv",
            "--target",
            "outcome",
            "--by",
            "channel",
            "--by",
            "campaign",
            "--model",
            "old.json",
        ],
        &dir,
    ));
    assert!(conv.contains("Conversion by channel (3000 leads"), "{conv}");
    assert!(conv.contains("Partner"), "{conv}");

    // A drifted batch: score warns, drift explains.
    let mut batch = synthetic::deals(800, 7).table;
    batch
        .set_column(
            "lead_source",
            Values::Text(vec![Some("Purchased List".into()); 800]),
        )
        .unwrap();
    write_deals(&dir, "batch.csv", &batch);
    let err = succeeded(&run_cli(
        &[
            "score",
            "batch.csv",
            "--model",
            "old.json",
            "--out",
            "s.csv",
            "--batch-rows",
            "300",
        ],
        &dir,
    ));
    assert!(
        err.contains("warning: drift: column \"lead_source\": PSI"),
        "{err}"
    );
    assert_eq!(err.matches("drift:").count(), 1, "{err}");
    let d = succeeded_stdout(&run_cli(
        &[
            "drift",
            "batch.csv",
            "--model",
            "old.json",
            "--format",
            "json",
        ],
        &dir,
    ));
    let d: serde_json::Value = serde_json::from_str(&d).unwrap();
    assert_eq!(d["features"][0]["column"], "lead_source");
    assert_eq!(d["features"][0]["band"], "major");
    // Scoring the training population raises no drift warning.
    let err = succeeded(&run_cli(
        &[
            "score",
            "deals.csv",
            "--model",
            "old.json",
            "--out",
            "s2.csv",
        ],
        &dir,
    ));
    assert!(!err.contains("drift"));

    succeeded(&run_cli(
        &[
            "train",
            "deals.csv",
            "--target",
            "outcome",
            "--id",
            "deal_id",
            "--ignore",
            "created_at",
            "--ignore",
            "closed_at",
            "--ignore",
            "campaign",
            "--l2",
            "1",
            "--model",
            "new.json",
            "--quiet",
        ],
        &dir,
    ));
    let diff = succeeded_stdout(&run_cli(&["diff", "old.json", "new.json"], &dir));
    assert!(diff.contains("Columns removed: campaign"), "{diff}");
    assert!(diff.contains("Points that moved most"), "{diff}");
    let diff = succeeded_stdout(&run_cli(
        &["diff", "old.json", "new.json", "--format", "json"],
        &dir,
    ));
    let diff: serde_json::Value = serde_json::from_str(&diff).unwrap();
    assert_eq!(diff["removed"].as_array().unwrap().len(), 7);
    assert_eq!(diff["metrics"][5]["metric"], "cross-validated AUC");
}

/// A script injected into a copy of the report (which has none) that, on
/// load, measures what the browser laid out: the page's scroll and client
/// widths, every chart's id and box, and every table box's scroll and
/// client widths; it posts them to the page around it (the frame that sets
/// the width), which writes them into its body's attributes.
const MEASURE: &str = "<script>addEventListener('load', () => { \
    const d = document.documentElement; \
    parent.postMessage({ \
      'data-scroll-width': d.scrollWidth, \
      'data-client-width': d.clientWidth, \
      'data-charts': [...document.querySelectorAll('svg.chart')].map(c => { \
        const r = c.getBoundingClientRect(); return c.id + ':' + r.width + ':' + r.height; }).join(' '), \
      'data-boxes': [...document.querySelectorAll('.scroll')].map(e => \
        e.scrollWidth + ':' + e.clientWidth).join(' ') }, '*'); \
});</script>";

/// The narrowest window headless Chromium opens (narrower sizes are widened
/// to this): narrower layouts are measured in a frame of the width asked.
const NARROWEST_WINDOW: u32 = 500;

/// A page holding `src` in a frame `width` × `height` px (so that the
/// frame, not the window, sets the report's width), writing what the frame
/// posts into its body's attributes.
fn frame_page(src: &str, width: u32, height: u32) -> String {
    format!(
        "<!DOCTYPE html><html><body style=\"margin:0\"><iframe src=\"{src}\" style=\"width:{width}px;height:{height}px;border:0;display:block\"></iframe>\
         <script>addEventListener('message', e => {{ for (const [k, v] of Object.entries(e.data)) document.body.setAttribute(k, v); }});</script></body></html>"
    )
}

/// Runs chromium with `args`, its standard output to `stdout`; fails after
/// 120 s.
fn run_chromium(chromium: &Path, args: &[String], stdout: std::process::Stdio) {
    let mut child = Command::new(chromium)
        .args(args)
        .stdout(stdout)
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("chromium starts");
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed().as_secs() > 120 {
            let _ = child.kill();
            panic!("chromium did not finish in 120 s: {args:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

/// The value of the attribute `name` of the first element that has it.
fn attribute<'a>(dom: &'a str, name: &str) -> &'a str {
    let key = format!(" {name}=\"");
    let start = dom
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} in the DOM"))
        + key.len();
    let len = dom[start..].find('"').expect("a closed attribute");
    &dom[start..start + len]
}

/// What headless chromium laid out of a page `width` px wide.
#[derive(Debug)]
struct Layout {
    /// The page's scroll width.
    scroll_width: f64,
    /// The page's client width.
    client_width: f64,
    /// Every chart: id, width, height.
    charts: Vec<(String, f64, f64)>,
    /// Every table box: scroll width, client width.
    boxes: Vec<(f64, f64)>,
}

/// Lays out `page` (with the [`MEASURE`] script added) in a frame of
/// `width` px in chromium, tall enough that it does not scroll, and reads
/// what the script measured.
fn layout(chromium: &Path, page: &Path, width: u32) -> Layout {
    let html = std::fs::read_to_string(page).unwrap();
    let measured = page.with_file_name(format!("measured-{width}.html"));
    std::fs::write(
        &measured,
        html.replace("</body>", &format!("{MEASURE}</body>")),
    )
    .unwrap();
    let frame = page.with_file_name(format!("frame-{width}.html"));
    let name = measured.file_name().unwrap().to_str().unwrap();
    std::fs::write(&frame, frame_page(name, width, 30_000)).unwrap();
    let dom_path = page.with_file_name(format!("dom-{width}.html"));
    run_chromium(
        chromium,
        &[
            "--headless".into(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--hide-scrollbars".into(),
            format!("--window-size={},2000", width.max(NARROWEST_WINDOW)),
            "--virtual-time-budget=5000".into(),
            "--dump-dom".into(),
            format!("file://{}", frame.display()),
        ],
        std::fs::File::create(&dom_path).unwrap().into(),
    );
    let dom = std::fs::read_to_string(&dom_path).unwrap();
    let number = |text: &str| -> f64 { text.parse().unwrap_or_else(|_| panic!("{text:?}")) };
    let pairs = |text: &str| -> Vec<Vec<String>> {
        text.split_whitespace()
            .map(|item| item.split(':').map(str::to_string).collect())
            .collect()
    };
    Layout {
        scroll_width: number(attribute(&dom, "data-scroll-width")),
        client_width: number(attribute(&dom, "data-client-width")),
        charts: pairs(attribute(&dom, "data-charts"))
            .into_iter()
            .map(|c| (c[0].clone(), number(&c[1]), number(&c[2])))
            .collect(),
        boxes: pairs(attribute(&dom, "data-boxes"))
            .into_iter()
            .map(|b| (number(&b[0]), number(&b[1])))
            .collect(),
    }
}

/// Screenshots `page` at `width` × `height` into `png` (narrower than
/// chromium's narrowest window: in a frame of that width at the left of
/// the window) and checks the image: a PNG of the window's size, with text
/// and charts (not blank).
fn screenshot(chromium: &Path, page: &Path, png: &Path, width: u32, height: u32) {
    let target = if width < NARROWEST_WINDOW {
        let frame = page.with_file_name(format!("shot-{width}.html"));
        let name = page.file_name().unwrap().to_str().unwrap();
        std::fs::write(&frame, frame_page(name, width, height)).unwrap();
        frame
    } else {
        page.to_path_buf()
    };
    let window = width.max(NARROWEST_WINDOW);
    run_chromium(
        chromium,
        &[
            "--headless".into(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--hide-scrollbars".into(),
            format!("--screenshot={}", png.display()),
            format!("--window-size={window},{height}"),
            "--virtual-time-budget=5000".into(),
            format!("file://{}", target.display()),
        ],
        std::process::Stdio::null(),
    );
    let bytes = std::fs::read(png).expect("chromium wrote the screenshot");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert_eq!((w, h), (window, height));
    // A blank page compresses to a few kB; text and charts do not.
    assert!(bytes.len() > 40_000, "{} bytes", bytes.len());
}

fn find_chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

#[test]
fn report_html_renders_in_headless_chromium_with_its_charts() {
    let dir = temp_dir("ev-report");
    write_deals(&dir, "deals.csv", &synthetic::deals(3_000, 8).table);
    write_deals(&dir, "holdout.csv", &synthetic::deals(1_000, 9).table);
    std::fs::write(
        dir.join("sheet.csv"),
        "column,value,points\njob_seniority,VP,20\ndemo_requested,yes,15\nlead_source,Purchased List,-10\n",
    )
    .unwrap();
    train_synthetic(&dir, "m.json", &[]);
    let example = policy_path("example");
    succeeded(&run_cli(
        &[
            "report",
            "--model",
            "m.json",
            "holdout.csv",
            "--out",
            "report.html",
            "--points-sheet",
            "sheet.csv",
            "--cut-points",
            "45",
            "--policy",
            example.to_str().unwrap(),
        ],
        &dir,
    ));
    let md = succeeded_stdout(&run_cli(
        &[
            "report",
            "--model",
            "m.json",
            "holdout.csv",
            "--format",
            "md",
        ],
        &dir,
    ));
    assert!(md.starts_with("# Lead score evidence"), "{md}");
    let json = succeeded_stdout(&run_cli(
        &[
            "report",
            "--model",
            "m.json",
            "holdout.csv",
            "--format",
            "json",
        ],
        &dir,
    ));
    let j: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(j["drift"]["features"].as_array().unwrap().len() >= 10);
    // A fragment to embed: one root element with its scoped styles, no
    // page around it.
    let fragment = succeeded_stdout(&run_cli(
        &[
            "report",
            "--model",
            "m.json",
            "holdout.csv",
            "--format",
            "fragment",
        ],
        &dir,
    ));
    assert!(
        fragment.starts_with("<div class=\"leadscore-report\"><style>.leadscore-report{"),
        "{}",
        &fragment[..200.min(fragment.len())]
    );
    assert!(!fragment.contains("<body") && !fragment.contains("<html"));
    assert!(fragment.trim_end().ends_with("</div>"));
    assert!(fragment.contains("id=\"calibration-chart\""));

    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    for chart in [
        "calibration-chart",
        "lift-chart",
        "gains-chart",
        "conversion-chart-0",
    ] {
        assert!(
            html.contains("<svg class=\"chart") && html.contains(chart),
            "{chart}"
        );
    }
    assert!(!html.contains("<script") && !html.contains("src=\"http"));
    assert!(html.contains("Qualification policy"));

    let Some(chromium) = find_chromium() else {
        // In CI (CI set, as CI services set it) the rendering is part of
        // the test; elsewhere it may be skipped.
        let in_ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
        assert!(
            !in_ci,
            "no chromium on PATH in CI: install Debian's `chromium` package (.ci/run does)"
        );
        eprintln!(
            "SKIPPED: headless rendering of the report: no chromium on PATH \
             (install Debian's `chromium` package; .ci/run does)"
        );
        return;
    };
    let page = dir.join("report.html");
    let charts = html.matches("<svg class=\"chart").count();
    for width in [420, 1280] {
        let l = layout(&chromium, &page, width);
        assert_eq!(l.client_width, f64::from(width), "{l:?}");
        assert!(
            l.scroll_width <= l.client_width,
            "the page scrolls sideways at {width} px: {l:?}"
        );
        assert_eq!(l.charts.len(), charts, "{l:?}");
        for id in [
            "calibration-chart",
            "lift-chart",
            "gains-chart",
            "conversion-chart-0",
        ] {
            assert!(l.charts.iter().any(|c| c.0 == id), "{id} at {width} px");
        }
        for (id, w, h) in &l.charts {
            assert!(*w > 100.0 && *h > 100.0, "{id} is {w} × {h} at {width} px");
            assert!(*w <= f64::from(width), "{id} is {w} px wide at {width} px");
        }
        // Every table fits its box: none is cut off, none needs scrolling.
        assert!(!l.boxes.is_empty());
        for (scroll, client) in &l.boxes {
            assert!(scroll <= client, "a table box scrolls at {width} px: {l:?}");
        }
        let png = dir.join(format!("report-{width}.png"));
        screenshot(&chromium, &page, &png, width, 2000);
        eprintln!("screenshot: {}", png.display());
    }
}
