//! The one integration-test binary: runs the real `redflag` program on small fixtures in a
//! temporary directory, as a user would.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

const BIN: &str = env!("CARGO_BIN_EXE_redflag");

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn shared_corpora() -> Option<PathBuf> {
    let p = repo("../shared/corpora");
    p.join("README.md").exists().then_some(p)
}

/// Says loudly that a test did not run. Written straight to stderr (not `eprintln!`), so the
/// test harness's output capture does not hide it.
fn skip(test: &str, why: &str) {
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
}

fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("redflag starts");
    if let Some(input) = stdin {
        let mut s = child.stdin.take().unwrap();
        let input = input.to_vec();
        std::thread::spawn(move || {
            let _ = s.write_all(&input);
        });
    }
    child.wait_with_output().expect("redflag finishes")
}

fn stdout_json(o: &Output) -> Vec<serde_json::Value> {
    String::from_utf8(o.stdout.clone())
        .expect("output is UTF-8")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad output line {l:?}: {e}")))
        .collect()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A model trained once on the fixture data, shared by the tests.
fn fixture_model() -> &'static Path {
    static MODEL: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = MODEL.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fixture.rfm");
        let config = dir.path().join("c.toml");
        std::fs::write(
            &config,
            "[features]\nmin_df = 1\n[logistic]\nalpha = 0.1\n[review]\nvalidation_fraction = 0.0\n",
        )
        .unwrap();
        let o = run(
            &[
                "train",
                "--data",
                fixture("train.jsonl").to_str().unwrap(),
                "--config",
                config.to_str().unwrap(),
                "--out",
                path.to_str().unwrap(),
                "--quiet",
            ],
            None,
        );
        assert!(o.status.success(), "train failed: {}", stderr(&o));
        (dir, path)
    });
    path
}

fn score(extra: &[&str], stdin: Option<&[u8]>) -> Output {
    let model = fixture_model().to_str().unwrap().to_string();
    let mut args = vec!["score", "--model", &model];
    args.extend_from_slice(extra);
    run(&args, stdin)
}

#[test]
fn score_writes_one_result_per_record_in_order_with_valid_scores_and_spans() {
    let input = "{\"id\": \"x\", \"text\": \"Send Monero to the brothers at the front\"}\n\
                 {\"text\": \"the football match was great\"}\n\
                 {\"id\": 42, \"text\": \"Pay your zakat al-fitr at the mosque\"}\n";
    let o = score(&["-", "--threads", "2"], Some(input.as_bytes()));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let lines = stdout_json(&o);
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["id"], "x");
    assert_eq!(lines[1]["id"], 2, "no id: the 1-based record number");
    assert_eq!(lines[2]["id"], 42);
    let texts: Vec<&str> = input
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["text"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .map(|s| Box::leak(s.into_boxed_str()) as &str)
        .collect();
    for (line, text) in lines.iter().zip(texts) {
        let scores = line["scores"].as_object().unwrap();
        assert_eq!(scores.len(), 4);
        let sum: f64 = scores.values().map(|v| v.as_f64().unwrap()).sum();
        assert!((sum - 1.0).abs() < 1e-9, "scores sum to {sum}");
        let label = line["label"].as_str().unwrap();
        let best = scores
            .iter()
            .max_by(|a, b| a.1.as_f64().unwrap().total_cmp(&b.1.as_f64().unwrap()))
            .unwrap()
            .0;
        assert_eq!(label, best);
        assert!(line["review"].is_boolean());
        for reason in line["reasons"].as_array().unwrap() {
            assert!(reason["weight"].as_f64().unwrap() > 0.0);
            for span in reason["spans"].as_array().unwrap() {
                let (a, b) = (
                    span[0].as_u64().unwrap() as usize,
                    span[1].as_u64().unwrap() as usize,
                );
                assert!(
                    a < b
                        && b <= text.len()
                        && text.is_char_boundary(a)
                        && text.is_char_boundary(b)
                );
            }
        }
    }
    let raw = String::from_utf8(o.stdout.clone()).unwrap();
    let first = raw.lines().next().unwrap();
    let at = |k: &str| first.find(&format!("\"{k}\":")).unwrap();
    assert!(
        at("appeal") < at("propaganda")
            && at("propaganda") < at("reporting")
            && at("reporting") < at("benign"),
        "scores are listed in class order: {first}"
    );
    assert_eq!(lines[0]["label"], "appeal", "{:?}", lines[0]);
    assert!(!lines[0]["reasons"].as_array().unwrap().is_empty());
    assert_eq!(lines[1]["review"], false);
    assert!(stderr(&o).contains("3 records, 0 errors"), "{}", stderr(&o));
}

#[test]
fn bad_records_become_error_records_in_place_and_exit_1() {
    let mut input = Vec::new();
    input.extend_from_slice(b"{\"id\": 1, \"text\": \"fine\"}\n");
    input.extend_from_slice(b"{\"id\": 2, \"text\": \"caf\xff invalid utf8\"}\n");
    input.extend_from_slice(b"{\"id\": 3, \"text\": \n");
    input.extend_from_slice(b"{\"id\": 4}\n");
    input.extend_from_slice(b"[1, 2]\n");
    input.extend_from_slice(b"{\"id\": 6, \"text\": \"also fine\"}\n");
    let o = score(&["-"], Some(&input));
    assert_eq!(o.status.code(), Some(1), "some records were error records");
    let lines = stdout_json(&o);
    assert_eq!(lines.len(), 6, "records in = results + error records");
    assert!(lines[0].get("error").is_none());
    assert_eq!(
        lines[1]["warnings"][0], "invalid_utf8",
        "scored lossily and marked"
    );
    assert!(lines[1].get("scores").is_some());
    assert_eq!(lines[2]["id"], 3);
    assert_eq!(lines[2]["line"], 3);
    assert!(lines[2]["error"]
        .as_str()
        .unwrap()
        .contains("malformed JSON"));
    assert!(lines[3]["error"]
        .as_str()
        .unwrap()
        .contains("no `text` field"));
    assert_eq!(lines[3]["id"], 4);
    assert!(lines[4]["error"]
        .as_str()
        .unwrap()
        .contains("not a JSON object"));
    assert_eq!(lines[5]["id"], 6);
    assert!(stderr(&o).contains("3 errors"), "{}", stderr(&o));
}

#[test]
fn empty_input_scores_nothing_and_succeeds() {
    let o = score(&["-"], Some(b""));
    assert_eq!(o.status.code(), Some(0));
    assert!(o.stdout.is_empty());
    assert!(stderr(&o).contains("0 records"));
}

#[test]
fn a_10_mb_record_is_scored_and_a_longer_one_truncated_when_asked() {
    let text = "send monero to the brothers ".repeat(10 * 1024 * 1024 / 28);
    let line = format!("{{\"id\": \"big\", \"text\": \"{text}\"}}\n");
    let o = score(&["-", "--max-bytes", "20000000"], Some(line.as_bytes()));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let lines = stdout_json(&o);
    assert_eq!(lines.len(), 1);
    let warnings = lines[0]["warnings"].as_array().cloned().unwrap_or_default();
    assert!(!warnings.iter().any(|w| w == "truncated"), "{warnings:?}");
    let o = score(&["-", "--max-bytes", "1000"], Some(line.as_bytes()));
    let lines = stdout_json(&o);
    assert_eq!(lines[0]["warnings"][0], "truncated");
}

#[test]
fn csv_and_text_inputs_by_extension_and_a_missing_text_column() {
    let o = score(&[fixture("score.csv").to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let lines = stdout_json(&o);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["id"], "c1");
    let o = score(&[fixture("score.txt").to_str().unwrap()], None);
    let lines = stdout_json(&o);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["id"], 2);
    let o = score(&[fixture("no_text_column.csv").to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("no column named \"text\"") && e.contains("id, body"),
        "{e}"
    );
    let o = score(
        &[
            fixture("no_text_column.csv").to_str().unwrap(),
            "--text-column",
            "body",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn several_inputs_keep_order_and_name_their_input() {
    let csv = fixture("score.csv");
    let txt = fixture("score.txt");
    let o = score(
        &[
            csv.to_str().unwrap(),
            txt.to_str().unwrap(),
            "--threads",
            "2",
        ],
        None,
    );
    let lines = stdout_json(&o);
    assert_eq!(lines.len(), 4);
    assert!(lines[0]["input"].as_str().unwrap().ends_with("score.csv"));
    assert!(lines[3]["input"].as_str().unwrap().ends_with("score.txt"));
}

#[test]
fn output_order_is_preserved_under_parallelism() {
    let mut input = String::new();
    for i in 0..10_000 {
        let text = if i % 3 == 0 {
            "send monero to the brothers"
        } else {
            "football is great"
        };
        input.push_str(&format!("{{\"id\": {i}, \"text\": \"{text} {i}\"}}\n"));
    }
    let one = score(&["-", "--threads", "1", "--quiet"], Some(input.as_bytes()));
    let two = score(&["-", "--threads", "2", "--quiet"], Some(input.as_bytes()));
    assert_eq!(
        one.stdout, two.stdout,
        "same bytes whatever the thread count"
    );
    let lines = stdout_json(&two);
    assert_eq!(lines.len(), 10_000);
    assert!(lines.iter().enumerate().all(|(i, l)| l["id"] == i));
}

#[test]
fn output_never_speaks_of_action() {
    let o = score(&[fixture("score.csv").to_str().unwrap()], None);
    let all = format!("{}{}", String::from_utf8_lossy(&o.stdout), stderr(&o)).to_lowercase();
    for word in ["block", "remove", "ban ", "banned", "delete"] {
        assert!(!all.contains(word), "output mentions {word:?}");
    }
}

#[test]
fn usage_and_model_errors_exit_2() {
    let o = run(&["score", "--no-such-flag"], None);
    assert_eq!(o.status.code(), Some(2));
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.rfm");
    std::fs::write(&bad, b"not a model").unwrap();
    let o = run(&["score", "--model", bad.to_str().unwrap(), "-"], Some(b""));
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("not a redflag model file"),
        "{}",
        stderr(&o)
    );
    let o = run(&["score", "missing-file.jsonl"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("missing-file.jsonl"));
    // Each cause is said once.
    let o = run(&["score", "--model", "no-such-model.rfm", "-"], Some(b""));
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o).matches("(os error 2)").count(),
        1,
        "{}",
        stderr(&o)
    );
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    // A device is refused after its first bytes, not read until memory runs out.
    if Path::new("/dev/zero").exists() {
        for args in [
            &["score", "--model", "/dev/zero", "-"][..],
            &["inspect", "/dev/zero"],
        ] {
            let o = run(args, Some(b""));
            assert_eq!(o.status.code(), Some(2), "{args:?}");
            assert!(
                stderr(&o).contains("not a redflag model file"),
                "{}",
                stderr(&o)
            );
        }
    }
}

#[test]
fn model_default_names_the_embedded_model_everywhere_and_inspect_shows_both_checksums() {
    let input = b"{\"id\": 1, \"text\": \"the football match was great\"}\n";
    let a = run(&["score", "-"], Some(input));
    let b = run(&["score", "--model", "default", "-"], Some(input));
    assert!(a.status.success() && b.status.success(), "{}", stderr(&b));
    assert_eq!(a.stdout, b.stdout);
    let a = run(&["inspect"], None);
    let b = run(&["inspect", "default"], None);
    assert!(b.status.success(), "{}", stderr(&b));
    assert_eq!(a.stdout, b.stdout);
    // The file checksum is what sha256sum prints for the file; the stored one covers the
    // payload after the 52-byte header.
    let model = fixture_model();
    let o = run(&["inspect", model.to_str().unwrap()], None);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let bytes = std::fs::read(model).unwrap();
    let hex = |d: &[u8]| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
    use sha2::Digest;
    assert_eq!(v["file_sha256"], hex(&sha2::Sha256::digest(&bytes)));
    assert_eq!(v["sha256"], hex(&sha2::Sha256::digest(&bytes[52..])));
}

#[test]
fn train_rejects_bad_data_naming_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d.jsonl");
    std::fs::write(
        &data,
        "{\"text\": \"a\", \"label\": \"benign\"}\n{\"text\": \"b\"}\n",
    )
    .unwrap();
    let out = dir.path().join("m.rfm");
    let o = run(
        &[
            "train",
            "--data",
            data.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("d.jsonl") && e.contains("line 2") && e.contains("no label"),
        "{e}"
    );
    assert!(!out.exists());
}

#[test]
fn train_is_deterministic_and_inspect_shows_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.rfm");
    let b = dir.path().join("b.rfm");
    let config = dir.path().join("c.toml");
    std::fs::write(
        &config,
        "[features]\nmin_df = 1\n[logistic]\nalpha = 0.1\n[review]\nvalidation_fraction = 0.0\n",
    )
    .unwrap();
    for (out, threads) in [(&a, "1"), (&b, "2")] {
        let o = run(
            &[
                "train",
                "--data",
                fixture("train.jsonl").to_str().unwrap(),
                "--config",
                config.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
                "--threads",
                threads,
            ],
            None,
        );
        assert!(o.status.success(), "{}", stderr(&o));
    }
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    let o = run(&["inspect", a.to_str().unwrap()], None);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["header"]["classes"][0], "appeal");
    assert_eq!(v["header"]["meta"]["rows"], 23);
    assert_eq!(v["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(v["header"]["meta"]["data"][0]["records"], 23);
}

#[test]
fn the_embedded_default_model_scores_the_shipped_examples() {
    let o = run(
        &["score", repo("datasets/examples.jsonl").to_str().unwrap()],
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let lines = stdout_json(&o);
    assert!(lines.len() >= 5);
    let by_id = |id: &str| lines.iter().find(|l| l["id"] == id).unwrap().clone();
    assert_eq!(
        by_id("example-appeal")["review"],
        true,
        "{:?}",
        by_id("example-appeal")
    );
    assert_eq!(
        by_id("example-charity")["review"],
        false,
        "{:?}",
        by_id("example-charity")
    );
    // The default model knows the languages of its domain: everyday Arabic and a greeting
    // are not sent to review, and Arabic is not a low-coverage language.
    let o = run(
        &["score", "-"],
        Some(
            "{\"id\":\"ar\",\"text\":\"اللهم اغفر لوالدي وارحمهما كما ربياني صغيرا\"}\n{\"id\":\"alhamdulillah\",\"text\":\"Alhamdulillah\"}\n{\"id\":\"brothers\",\"text\":\"brothers\"}\n"
                .as_bytes(),
        ),
    );
    let lines = stdout_json(&o);
    assert_eq!(lines[0]["lang"], "ar");
    assert!(lines[0].get("warnings").is_none(), "{}", lines[0]);
    for l in &lines {
        assert_eq!(l["review"], false, "{l}");
    }
}

#[test]
fn data_build_from_a_fixture_recipe_and_data_check() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("built");
    let o = run(
        &[
            "data",
            "build",
            "--recipe",
            fixture("recipe/recipe.toml").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let tweets = report["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "tweets")
        .unwrap();
    assert_eq!(tweets["dropped"]["retweet"], 1);
    assert_eq!(tweets["dropped"]["near-duplicate"], 1);
    assert_eq!(tweets["dropped"]["unmapped label \"zzz\""], 1);
    assert_eq!(tweets["commercial"], serde_json::Value::Null);
    assert_eq!(
        report["languages"]["en"]["appeal"], 2,
        "{}",
        report["languages"]
    );
    // The commercial profile leaves out the source whose terms are unclear.
    let clean = dir.path().join("clean");
    let o = run(
        &[
            "data",
            "build",
            "--recipe",
            fixture("recipe/recipe.toml").to_str().unwrap(),
            "--out",
            clean.to_str().unwrap(),
            "--commercial-only",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let clean_report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(clean.join("report.json")).unwrap()).unwrap();
    let src = |name: &str| {
        clean_report["sources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(src("tweets")["excluded"], true);
    assert_eq!(src("tweets")["rows"], 0);
    assert_eq!(src("own")["excluded"], false);
    let own_rows: u64 = src("own")["kept"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    let total: u64 = ["train", "validation", "test"]
        .iter()
        .map(|s| {
            std::fs::read_to_string(clean.join(format!("{s}.jsonl")))
                .unwrap()
                .lines()
                .count() as u64
        })
        .sum();
    assert_eq!(
        total, own_rows,
        "only the commercially usable source is built"
    );
    let files: Vec<String> = ["train", "validation", "test"]
        .iter()
        .map(|s| out.join(format!("{s}.jsonl")).to_str().unwrap().to_string())
        .collect();
    let mut sources = std::collections::BTreeMap::new();
    for f in &files {
        for line in std::fs::read_to_string(f).unwrap().lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            *sources
                .entry(v["source"].as_str().unwrap().to_string())
                .or_insert(0) += 1;
            if v["source"] == "handwritten" {
                assert!(
                    v["slice"].is_string(),
                    "project files keep their slice: {v}"
                );
            }
        }
    }
    assert_eq!(
        sources.keys().collect::<Vec<_>>(),
        ["handwritten", "tweets"],
        "a corpus's own `source` column (an account) is never the source"
    );
    let mut args = vec!["data", "check"];
    args.extend(files.iter().map(String::as_str));
    let o = run(&args, None);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        stderr(&o)
    );
    // Missing public corpus: reported by name with where to get it.
    let o = run(
        &[
            "data",
            "build",
            "--recipe",
            fixture("recipe/recipe.toml").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--corpora",
            "/nonexistent",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("tweets") && stderr(&o).contains("example upstream"),
        "{}",
        stderr(&o)
    );
    // ... and with the script that fetches the pinned corpora into that folder.
    assert!(
        stderr(&o).contains("datasets/fetch-corpora --dest /nonexistent"),
        "{}",
        stderr(&o)
    );
    let o = run(
        &[
            "data",
            "build",
            "--recipe",
            fixture("recipe/recipe.toml").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--corpora",
            "/nonexistent",
            "--allow-missing",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("skipped missing source tweets"));
}

#[test]
fn fetch_corpora_copies_from_a_mirror_verifies_and_names_what_is_wrong() {
    let test = "fetch_corpora_copies_from_a_mirror_verifies_and_names_what_is_wrong";
    let script = repo("datasets/fetch-corpora");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&script).unwrap().permissions().mode();
        assert!(
            mode & 0o111 != 0,
            "the workflow runs the script directly: chmod +x it"
        );
    }
    let has_python = Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_python {
        return skip(test, "python3 not found");
    }
    let dir = tempfile::tempdir().unwrap();
    let (mirror, dest) = (dir.path().join("mirror"), dir.path().join("dest"));
    let manifest = dir.path().join("corpora.sha256.toml");
    let sha = |body: &[u8]| {
        use sha2::{Digest, Sha256};
        format!("{:x}", Sha256::digest(body))
    };
    let files = [
        ("alpha/one.csv", "id,text\n1,a line\n", ""),
        ("beta/two.tsv", "x\ty\n", "https://example.invalid/two.tsv"),
    ];
    let mut toml = String::new();
    for (path, body, url) in files {
        let file = mirror.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, body).unwrap();
        toml += &format!(
            "[[files]]\npath = \"{path}\"\nsha256 = \"{}\"\nsize = {}\nurl = \"{url}\"\n\
             licence = \"test\"\nnote = \"the test's own folder\"\n\n",
            sha(body.as_bytes()),
            body.len()
        );
    }
    std::fs::write(&manifest, toml).unwrap();
    let fetch = |extra: &[&str]| {
        let mut args = vec![
            script.to_str().unwrap(),
            "--manifest",
            manifest.to_str().unwrap(),
            "--dest",
            dest.to_str().unwrap(),
        ];
        args.extend(extra);
        let o = Command::new("python3").args(&args).output().unwrap();
        let (out, err) = (String::from_utf8_lossy(&o.stdout), stderr(&o));
        (o.status.code(), format!("{out}{err}"))
    };
    let mirrored = ["--mirror", mirror.to_str().unwrap()];

    // Without a mirror, a file without a pinned address is named, with where to get it.
    let (code, out) = fetch(&["--only", "alpha"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("fetch by hand: alpha/one.csv from the test's own folder"),
        "{out}"
    );
    // From the mirror: both copied and verified.
    let (code, out) = fetch(&mirrored);
    assert_eq!(code, Some(0), "{out}");
    for (path, body, _) in files {
        assert_eq!(std::fs::read_to_string(dest.join(path)).unwrap(), body);
    }
    // A second run leaves them alone.
    let modified = |p: &str| std::fs::metadata(dest.join(p)).unwrap().modified().unwrap();
    let before = modified("alpha/one.csv");
    let (code, out) = fetch(&mirrored);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("present  alpha/one.csv") && out.contains("present  beta/two.tsv"),
        "{out}"
    );
    assert_eq!(modified("alpha/one.csv"), before);
    // A corrupted mirror file: exit 1 naming it with both checksums, and nothing left behind.
    std::fs::remove_file(dest.join("beta/two.tsv")).unwrap();
    std::fs::write(mirror.join("beta/two.tsv"), "x\tz\n").unwrap();
    let (code, out) = fetch(&mirrored);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("checksum mismatch: beta/two.tsv"), "{out}");
    assert!(
        out.contains(&sha(b"x\ty\n")) && out.contains(&sha(b"x\tz\n")),
        "expected and actual sha256: {out}"
    );
    assert!(!dest.join("beta/two.tsv").exists());
    assert!(
        !dest.join("beta/two.tsv.part").exists(),
        "the partial file is removed"
    );
    // --check names every missing or changed file.
    std::fs::write(dest.join("alpha/one.csv"), "id,text\n1,edited\n").unwrap();
    let (code, out) = fetch(&["--check"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("missing: beta/two.tsv"), "{out}");
    assert!(out.contains("mismatch: alpha/one.csv"), "{out}");
    // Usage errors exit 2.
    assert_eq!(fetch(&["--only", "gamma"]).0, Some(2));
    assert_eq!(fetch(&["--mirror", "/nonexistent/mirror"]).0, Some(2));
    assert_eq!(fetch(&["--no-such-option"]).0, Some(2));
}

#[test]
fn fetch_corpora_manifest_lists_every_public_source_of_the_recipe() {
    let read = |p: &str| -> toml::Table {
        toml::from_str(&std::fs::read_to_string(repo(p)).unwrap()).unwrap()
    };
    let recipe = read("datasets/recipe.toml");
    let manifest = read("datasets/corpora.sha256.toml");
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    let mut listed = std::collections::BTreeMap::new();
    for f in manifest["files"].as_array().unwrap() {
        let path = f["path"].as_str().unwrap();
        let (url, note) = (f["url"].as_str().unwrap(), f["note"].as_str().unwrap());
        assert!(hex(f["sha256"].as_str().unwrap(), 64), "{path}: sha256");
        assert!(f["size"].as_integer().unwrap() > 0, "{path}: size");
        assert!(
            !f["licence"].as_str().unwrap().is_empty(),
            "{path}: licence"
        );
        // Pinned: a fixed commit in the address, or no address and a note saying where.
        assert!(
            (url.starts_with("https://") && url.split('/').any(|part| hex(part, 40)))
                || (url.is_empty() && !note.is_empty()),
            "{path}: url {url:?} is neither pinned to a commit nor explained"
        );
        assert!(listed.insert(path, f).is_none(), "{path} is listed twice");
    }
    // The recipe resolves `{corpora}/...` against the corpora folder, everything else against
    // datasets/ (src/data/recipe.rs): every public source must be in the corpora folder, and
    // every corpora path in the manifest.
    let mut unlisted = Vec::new();
    for s in recipe["sources"].as_array().unwrap() {
        let path = s["path"].as_str().unwrap();
        let public = s.get("public").and_then(|p| p.as_bool()) == Some(true);
        match path.strip_prefix("{corpora}/") {
            Some(rel) if !listed.contains_key(rel) => unlisted.push(rel),
            Some(_) => {}
            None => assert!(!public, "public source {path} is not under {{corpora}}"),
        }
    }
    assert!(
        unlisted.is_empty(),
        "datasets/corpora.sha256.toml does not list {unlisted:?}"
    );
    // Where the corpora are on this machine, the manifest's sizes are theirs (the checksums:
    // `datasets/fetch-corpora --check`).
    if let Some(corpora) = shared_corpora() {
        for (path, f) in &listed {
            let size = std::fs::metadata(corpora.join(path)).map(|m| m.len() as i64);
            assert_eq!(size.ok(), f["size"].as_integer(), "{path}");
        }
    }
}

#[test]
fn data_check_finds_every_kind_of_problem() {
    let o = run(
        &[
            "data",
            "check",
            fixture("check/a.jsonl").to_str().unwrap(),
            fixture("check/b.jsonl").to_str().unwrap(),
            fixture("check/c.jsonl").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    for expected in [
        "a.jsonl:2: no `label`",
        "a.jsonl:3: label \"spam\" is not one of",
        "a.jsonl:5: id \"1\" was already used at",
        "a.jsonl:6: empty `text`",
        "a.jsonl:7: malformed JSON",
        "b.jsonl:1: exact duplicate of the text at",
        "b.jsonl:2: near-duplicate of the text at",
        "a.jsonl:8: no `id`",
        "c.jsonl:1: text is not valid UTF-8",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in\n{out}");
    }
    // `source` is optional: a record without one is counted, not an error.
    assert!(!out.contains("a.jsonl:4:"), "{out}");
    assert!(
        out.contains("duplicates: 1 exact, 1 near, 2 across files"),
        "{out}"
    );
    // Column options, as the other commands have them; problems name the chosen column.
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("posts.data");
    std::fs::write(
        &csv,
        "key,body,cls\n1,donate to the brothers now,appeal\n2,football tonight,\n",
    )
    .unwrap();
    let o = run(
        &[
            "data",
            "check",
            csv.to_str().unwrap(),
            "--format",
            "csv",
            "--text-column",
            "body",
            "--id-column",
            "key",
            "--label-column",
            "cls",
        ],
        None,
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}{}", stderr(&o));
    assert!(out.contains("posts.data:3: no `cls`"), "{out}");
    assert!(out.contains("labels: appeal 1"), "{out}");
}

#[test]
fn full_recipe_builds_from_shared_corpora() {
    let Some(corpora) = shared_corpora() else {
        return skip(
            "full_recipe_builds_from_shared_corpora",
            "../shared/corpora is not on this machine",
        );
    };
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        &[
            "data",
            "build",
            "--recipe",
            repo("datasets/recipe.toml").to_str().unwrap(),
            "--out",
            dir.path().to_str().unwrap(),
            "--corpora",
            corpora.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
            .unwrap();
    let train = &report["splits"]["train"];
    for class in ["appeal", "propaganda", "reporting", "benign"] {
        assert!(train[class].as_u64().unwrap() > 100, "{class}: {train}");
    }
    // The dataset card's split table matches what the recipe builds.
    let card = std::fs::read_to_string(repo("datasets/README.md")).unwrap();
    for split in ["train", "validation", "test"] {
        let counts = &report["splits"][split];
        let n = |c: &str| counts[c].as_u64().unwrap_or(0);
        let row = format!(
            "| {split} | {} | {} | {} | {} | {} |",
            n("appeal"),
            n("propaganda"),
            n("reporting"),
            n("benign"),
            n("appeal") + n("propaganda") + n("reporting") + n("benign")
        );
        assert!(card.contains(&row), "datasets/README.md lacks {row:?}");
    }
}

#[test]
fn handwritten_files_pass_data_check_and_match_the_dataset_card() {
    let files: Vec<String> = [
        "appeal_crypto",
        "appeal_other",
        "propaganda",
        "reporting",
        "benign",
    ]
    .iter()
    .map(|f| {
        repo(&format!("datasets/handwritten/{f}.jsonl"))
            .to_str()
            .unwrap()
            .to_string()
    })
    .collect();
    let mut args = vec!["data", "check", "--json"];
    args.extend(files.iter().map(String::as_str));
    let o = run(&args, None);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let card = std::fs::read_to_string(repo("datasets/README.md")).unwrap();
    let section = card
        .split("## Hand-written corpus")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("the card has a hand-written section");
    let mut listed = 0;
    for row in section
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| slice"))
    {
        let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
        for pair in cells.chunks(2) {
            if let [slice, n] = pair {
                if slice.is_empty() {
                    continue;
                }
                let actual = report["slices"][*slice].as_u64().unwrap_or(0);
                assert_eq!(n.parse::<u64>().unwrap(), actual, "card count for {slice}");
                listed += actual;
            }
        }
    }
    let total: u64 = report["labels"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(
        listed, total,
        "every hand-written record is in the card's table"
    );
    assert!(total >= 2000);
    for (label, min) in [
        ("appeal", 600),
        ("propaganda", 300),
        ("reporting", 500),
        ("benign", 600),
    ] {
        assert!(report["labels"][label].as_u64().unwrap() >= min, "{label}");
    }
}

#[test]
fn writers_files_pass_data_check_carry_writer_and_language_and_match_the_dataset_card() {
    let dir = repo("datasets/writers");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .map(|p| p.to_str().unwrap().to_string())
        .collect();
    files.sort();
    assert!(files.len() >= 10, "{files:?}");
    // Each writer's file is clean on its own. (Two writers may independently write the same
    // short text, such as "send btc"; the build keeps the first.)
    for f in &files {
        let o = run(&["data", "check", f], None);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{f}: {}",
            String::from_utf8_lossy(&o.stdout)
        );
    }
    let card = std::fs::read_to_string(repo("datasets/README.md")).unwrap();
    let recipe = std::fs::read_to_string(repo("datasets/recipe.toml")).unwrap();
    for f in &files {
        let name = Path::new(f).file_stem().unwrap().to_str().unwrap();
        assert!(
            recipe.contains(&format!("path = \"writers/{name}.jsonl\"")),
            "{name} is not in the recipe"
        );
        let mut per = std::collections::BTreeMap::new();
        for line in std::fs::read_to_string(f).unwrap().lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(v["writer"], name, "{f}: {line}");
            assert!(
                v["language"].as_str().is_some_and(|l| !l.is_empty()),
                "{f}: {line}"
            );
            *per.entry(v["label"].as_str().unwrap().to_string())
                .or_insert(0u64) += 1;
        }
        // Every writer wrote both sides of the line (the language writers at least 40 per
        // class, the contrastive writers at least 30 before adjudication, which left
        // w-lookalike-8 with 29 propaganda), so every held-out writer measures ranking, not
        // only a false-positive rate.
        for class in ["appeal", "propaganda", "benign"] {
            assert!(
                per.get(class).copied().unwrap_or(0) >= 25,
                "{name}: {per:?}"
            );
        }
        // The card's writer table has this writer; counts there are after the build's
        // dedupe, so at most the file's (a few short formulas, such as "Alhamdulillah",
        // written by two writers alike are kept once).
        let row = card
            .lines()
            .find(|l| l.starts_with(&format!("| {name} | ")) && l.matches('|').count() == 7)
            .unwrap_or_else(|| panic!("datasets/README.md has no count row for {name}"));
        let total: u64 = row
            .trim_end_matches(" |")
            .rsplit("| ")
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let in_file: u64 = per.values().sum();
        assert!(
            total <= in_file && total + 10 >= in_file,
            "{name}: card {total}, file {in_file}"
        );
    }
}

fn fixture_config(dir: &Path) -> PathBuf {
    let config = dir.join("c.toml");
    std::fs::write(
        &config,
        "[features]\nmin_df = 1\n[logistic]\nalpha = 0.1\n[review]\nvalidation_fraction = 0.0\n",
    )
    .unwrap();
    config
}

#[test]
fn evaluate_writes_a_report_with_the_documented_schema_and_plots() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    let model = fixture_model().to_str().unwrap().to_string();
    let data = fixture("train.jsonl");
    let o = run(
        &[
            "evaluate",
            "--model",
            &model,
            "--data",
            data.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--resamples",
            "50",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["schema"], "redflag-eval/1");
    assert_eq!(report["records"], 23);
    for class in ["appeal", "propaganda", "reporting", "benign"] {
        let c = &report["classes"][class];
        for key in [
            "precision",
            "recall",
            "f1",
            "support",
            "average_precision",
            "roc_auc",
        ] {
            assert!(c[key].is_number(), "classes.{class}.{key} in {c}");
        }
        assert!(
            c["recall_at_precision"]["0.90"].is_object()
                || c["recall_at_precision"]["0.90"].is_null()
        );
    }
    assert!(report["classes"]["appeal"]["review_threshold"].is_number());
    assert!(report["review"]["recall"].is_number());
    assert_eq!(report["sources"]["fixture"]["records"], 23);
    assert_eq!(
        report["confusion_matrix"]["rows"].as_array().unwrap().len(),
        4
    );
    for plot in [
        "pr_curves.svg",
        "roc_curves.svg",
        "reliability.svg",
        "scores_appeal.svg",
        "scores_propaganda.svg",
    ] {
        let svg = std::fs::read_to_string(out.join(plot)).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("</svg>"), "{plot}");
    }
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("## Per class") && md.contains("## Review decision"));
    let o = run(
        &[
            "evaluate",
            "--model",
            &model,
            "--data",
            data.to_str().unwrap(),
            "--json",
            "--resamples",
            "0",
        ],
        None,
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        v["classes"]["appeal"]["ci"]["average_precision"].is_null(),
        "no resamples, no intervals"
    );
}

#[test]
fn compare_quality_gate_fails_a_deliberately_worse_model() {
    let dir = tempfile::tempdir().unwrap();
    let good = fixture_model().to_str().unwrap().to_string();
    // A worse model: trained on the fixture with the appeal and propaganda labels shuffled into benign.
    let worse_data = dir.path().join("worse.jsonl");
    let text = std::fs::read_to_string(fixture("train.jsonl")).unwrap();
    let mut lines: Vec<String> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
        if v["label"] == "appeal" && i % 2 == 0 {
            v["label"] = "benign".into();
        }
        lines.push(v.to_string());
    }
    std::fs::write(&worse_data, lines.join("\n") + "\n").unwrap();
    let worse = dir.path().join("worse.rfm");
    let config = fixture_config(dir.path());
    let o = run(
        &[
            "train",
            "--data",
            worse_data.to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
            "--out",
            worse.to_str().unwrap(),
            "--quiet",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let data = fixture("train.jsonl");
    let gate = |b: &str| {
        run(
            &[
                "compare",
                "--model",
                &good,
                "--model",
                b,
                "--data",
                data.to_str().unwrap(),
                "--fail-if-worse",
                "appeal.recall:0.05",
                "--resamples",
                "200",
            ],
            None,
        )
    };
    let o = gate(worse.to_str().unwrap());
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("quality gate failed: appeal.recall"),
        "{}",
        stderr(&o)
    );
    let o = gate(&good);
    assert_eq!(
        o.status.code(),
        Some(0),
        "a model is never worse than itself: {}",
        stderr(&o)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("| appeal.average_precision |"));
    let o = run(
        &[
            "compare",
            "--model",
            &good,
            "--model",
            &good,
            "--data",
            data.to_str().unwrap(),
            "--fail-if-worse",
            "nonsense",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    // A typo in a gate metric or slice is a usage error (2) that lists the valid names, not
    // a regression (1).
    for (rule, listed) in [
        ("appeal.recal:0.05", "appeal.recall"),
        (
            "slice:no-such-slice.review_rate:0.01",
            "none (no record has a slice)",
        ),
    ] {
        let o = run(
            &[
                "compare",
                "--model",
                &good,
                "--model",
                &good,
                "--data",
                data.to_str().unwrap(),
                "--fail-if-worse",
                rule,
            ],
            None,
        );
        assert_eq!(o.status.code(), Some(2), "{rule}: {}", stderr(&o));
        assert!(stderr(&o).contains(listed), "{rule}: {}", stderr(&o));
    }

    // The retraining workflow's own gate step, run the way GitHub runs a `shell: bash` step
    // (`bash --noprofile --norc -eo pipefail`), fails on the worse model and passes on the
    // good one, although its output goes through `tee`.
    let workflow = std::fs::read_to_string(repo(".github/workflows/retrain.yml")).unwrap();
    assert!(
        workflow.contains("shell: bash"),
        "every step runs with pipefail"
    );
    let step = workflow
        .split("- name: ")
        .find(|s| s.starts_with("Quality gate"))
        .expect("a quality gate step");
    let command: String = step
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("run:"))
        .skip(1)
        .map(str::trim)
        .take_while(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(command.contains("| tee"), "{command}");
    // Test data with the slices the gate names.
    let gated = dir.path().join("gated.jsonl");
    let slices = ["benign-islamic-charity", "benign-crypto-donation"];
    let lines: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, line)| {
            let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
            if v["label"] == "benign" {
                v["slice"] = slices[i % 2].into();
            }
            v.to_string()
        })
        .collect();
    std::fs::write(&gated, lines.join("\n") + "\n").unwrap();
    let report = dir.path().join("report");
    std::fs::create_dir_all(&report).unwrap();
    let gate_step = |candidate: &Path| {
        let cmd = command
            .replace("models/default.rfm", &good)
            .replace("target/candidate.rfm", candidate.to_str().unwrap())
            .replace("target/data/test.jsonl", gated.to_str().unwrap())
            .replace("target/report", report.to_str().unwrap());
        Command::new("bash")
            .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", &cmd])
            .env("REDFLAG", env!("CARGO_BIN_EXE_redflag"))
            .output()
            .unwrap()
    };
    let o = gate_step(&worse);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("quality gate failed"), "{}", stderr(&o));
    let o = gate_step(Path::new(&good));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn cv_reports_mean_and_std_per_metric() {
    let dir = tempfile::tempdir().unwrap();
    let config = fixture_config(dir.path());
    let o = run(
        &[
            "cv",
            "--data",
            fixture("train.jsonl").to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
            "--folds",
            "2",
            "--group-by",
            "id",
            "--json",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["folds"], 2);
    let sizes: u64 = v["fold_sizes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .sum();
    assert_eq!(sizes, 23, "every record is held out exactly once");
    let acc = &v["metrics"]["accuracy"];
    assert!(acc["mean"].as_f64().unwrap() > 0.0 && acc["std"].as_f64().unwrap() >= 0.0);
    assert_eq!(acc["folds"].as_array().unwrap().len(), 2);
    let o = run(
        &[
            "cv",
            "--data",
            fixture("train.jsonl").to_str().unwrap(),
            "--folds",
            "1",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn cv_value_folds_leave_writers_out_a_fold_at_a_time_and_score_each_once() {
    let dir = tempfile::tempdir().unwrap();
    let config = fixture_config(dir.path());
    let public = fixture("train.jsonl");
    let writers = fixture("writers.jsonl");
    let cv = |k: &str, out: &Path| {
        run(
            &[
                "cv",
                "--data",
                public.to_str().unwrap(),
                writers.to_str().unwrap(),
                "--config",
                config.to_str().unwrap(),
                "--leave-one-out",
                "writer",
                "--value-folds",
                k,
                "--out",
                out.to_str().unwrap(),
                "--resamples",
                "0",
                "--json",
            ],
            None,
        )
    };
    let out = dir.path().join("lowo");
    let o = cv("2", &out);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let l = &v["leave_one_out"];
    assert_eq!(l["value_folds"], 2);
    // Sorted writers dealt round-robin: w1 and w3 in fold 1, w2 in fold 2; each writer is
    // reported on its own, trained without its whole fold.
    let folds = l["folds"].as_array().unwrap();
    let got: Vec<(&str, u64, u64)> = folds
        .iter()
        .map(|f| {
            (
                f["value"].as_str().unwrap(),
                f["train"].as_u64().unwrap(),
                f["test"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [("w1", 23 + 6, 6), ("w2", 23 + 12, 6), ("w3", 23 + 6, 6)]
    );
    assert!(stderr(&o).contains("fold 1/2: leaving out writer \"w1, w3\""));
    assert!(stderr(&o).contains("fold 2/2: leaving out writer \"w2\""));
    // Every writer's record is scored exactly once.
    let predictions = std::fs::read_to_string(out.join("predictions.jsonl")).unwrap();
    let mut ids: Vec<String> = predictions
        .lines()
        .map(|l| {
            let r: serde_json::Value = serde_json::from_str(l).unwrap();
            r["id"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(ids.len(), 18);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 18);
    let md = std::fs::read_to_string(out.join("lowo.md")).unwrap();
    assert!(md.contains("3 values dealt into 2 folds"), "{md}");
    // As many folds as writers is plain leave-one-out: refused, to keep one spelling.
    let o = cv("3", &dir.path().join("lowo3"));
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--value-folds 3"), "{}", stderr(&o));
}

#[test]
fn cv_leaves_one_writer_out_groups_by_writer_and_train_takes_its_predictions() {
    let dir = tempfile::tempdir().unwrap();
    let config = fixture_config(dir.path());
    let public = fixture("train.jsonl");
    let writers = fixture("writers.jsonl");
    let out = dir.path().join("lowo");
    let o = run(
        &[
            "cv",
            "--data",
            public.to_str().unwrap(),
            writers.to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
            "--leave-one-out",
            "writer",
            "--out",
            out.to_str().unwrap(),
            "--resamples",
            "0",
            "--json",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let l = &v["leave_one_out"];
    assert_eq!(l["field"], "writer");
    assert_eq!(
        l["always_trained"], 23,
        "records without a writer train every fold"
    );
    let folds = l["folds"].as_array().unwrap();
    let values: Vec<&str> = folds.iter().map(|f| f["value"].as_str().unwrap()).collect();
    assert_eq!(values, ["w1", "w2", "w3"]);
    for f in folds {
        assert_eq!(f["test"], 6);
        assert_eq!(
            f["train"],
            23 + 12,
            "the other writers and the public records"
        );
        assert!(f["metrics"]["appeal.average_precision"].as_f64().is_some());
    }
    assert_eq!(v["pooled"]["records"], 18);
    assert!(v["pooled"]["writers"]["w3"]["records"] == 6);
    assert!(v["pooled"]["languages"]["ru"]["records"].as_u64().unwrap() >= 4);
    assert!(stderr(&o).contains("fold 3/3: leaving out writer \"w3\""));
    for f in ["lowo.json", "lowo.md", "predictions.jsonl"] {
        assert!(out.join(f).exists(), "{f}");
    }
    let predictions = std::fs::read_to_string(out.join("predictions.jsonl")).unwrap();
    let rows: Vec<serde_json::Value> = predictions
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 18);
    for r in &rows {
        let p: f64 = ["appeal", "propaganda", "reporting", "benign"]
            .iter()
            .map(|c| r["scores"][c].as_f64().unwrap())
            .sum();
        assert!((p - 1.0).abs() < 1e-9);
        assert!(r["writer"].as_str().unwrap().starts_with('w'));
    }
    // The card reads lowo.json for its headline.
    let model = dir.path().join("m.rfm");
    let o = run(
        &[
            "train",
            "--data",
            public.to_str().unwrap(),
            writers.to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
            "--held-out-predictions",
            out.join("predictions.jsonl").to_str().unwrap(),
            "--out",
            model.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&["inspect", model.to_str().unwrap()], None);
    let meta: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let source = meta["header"]["meta"]["validation"]["source"]
        .as_str()
        .unwrap();
    assert!(source.contains("18 held-out predictions"), "{source}");
    // The card with the headline from lowo.json and one ablation row, `name=file`.
    let card_with = |variant: String| {
        let o = run(
            &[
                "card",
                "--model",
                model.to_str().unwrap(),
                "--lowo",
                out.join("lowo.json").to_str().unwrap(),
                "--lowo-variant",
                &variant,
            ],
            None,
        );
        assert!(o.status.success(), "{}", stderr(&o));
        String::from_utf8(o.stdout).unwrap()
    };
    let card = card_with(format!("again={}", out.join("lowo.json").display()));
    assert!(card.contains("## Generalisation to an unseen writer (headline)"));
    assert!(card.contains("| w2 | 6 |"), "{card}");
    assert!(card.contains("| again |"));
    // A variant run on other writers (an ablation kept from before a writer joined) is
    // marked as such in its row.
    let mut earlier: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("lowo.json")).unwrap()).unwrap();
    earlier["leave_one_out"]["folds"]
        .as_array_mut()
        .unwrap()
        .pop();
    let earlier_path = dir.path().join("earlier.json");
    std::fs::write(&earlier_path, earlier.to_string()).unwrap();
    let card = card_with(format!("earlier={}", earlier_path.display()));
    assert!(
        card.contains("| earlier (a run on 2 writers, not these 3: not comparable row for row) |"),
        "{card}"
    );
    // Grouped k-fold by writer keeps each writer in one fold.
    let o = run(
        &[
            "cv",
            "--data",
            public.to_str().unwrap(),
            writers.to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
            "--folds",
            "2",
            "--group-by",
            "writer",
            "--json",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["group_by"], "writer");
    let sizes: u64 = v["fold_sizes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .sum();
    assert_eq!(sizes, 41);
    // An unknown field is a usage error naming the choices.
    let o = run(
        &[
            "cv",
            "--data",
            writers.to_str().unwrap(),
            "--leave-one-out",
            "colour",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("use writer, language"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn every_result_names_its_language_and_warns_where_the_model_saw_too_little() {
    let o = score(
        &[],
        Some(
            "{\"id\":\"ru\",\"text\":\"Сегодня хорошая погода, и мы идём гулять в парк с друзьями\"}\n{\"id\":\"ar\",\"text\":\"مبروك للهلال الفوز اليوم، مباراة رائعة\"}\n{\"id\":\"short\",\"text\":\"ok\"}\n"
                .as_bytes(),
        ),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let lines = stdout_json(&o);
    assert_eq!(lines[0]["lang"], "ru");
    assert_eq!(lines[1]["lang"], "ar");
    assert_eq!(lines[2]["lang"], "und");
    // The fixture model was trained on English only: Russian and Arabic are low-coverage,
    // an undetermined language never is.
    for l in &lines[..2] {
        let w = l["warnings"].as_array().expect("warnings");
        assert!(w.iter().any(|x| x == "language_low_coverage"), "{l}");
    }
    assert!(lines[2].get("warnings").is_none(), "{}", lines[2]);
}

/// Reasons are for people: words (with the character n-grams inside them folded in),
/// phrases and signals, never a fragment of a word, each once, as many as `--reasons`
/// asks, naming the class they explain and its threshold.
#[test]
fn reasons_are_whole_words_phrases_or_signals_and_name_what_they_explain() {
    let texts = [
        "Brothers, send your zakat to the mujahideen: BTC 1QtR6sAW5m1MX4bUPvZECTsjvwLKKi3E4. Brothers need bitcoin now!",
        "The Khilafah needs your support, contact the admin for details on how to give",
        "Eid Mubarak to all our neighbours, may Allah accept our fasts and prayers",
        "Police arrested two men accused of raising bitcoin for the Islamic State in Syria",
    ];
    let input: String = texts
        .iter()
        .enumerate()
        .map(|(i, t)| serde_json::json!({"id": i, "text": t}).to_string() + "\n")
        .collect();
    let header = run(&["inspect"], None);
    let header: serde_json::Value = serde_json::from_slice(&header.stdout).unwrap();
    let thresholds: std::collections::HashMap<String, f64> = header["header"]["review"]
        ["thresholds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["class"].as_str().unwrap().to_string(),
                t["threshold"].as_f64().unwrap(),
            )
        })
        .collect();
    for n in [1usize, 3, 8] {
        let o = run(
            &["score", "-", "--reasons", &n.to_string(), "--quiet"],
            Some(input.as_bytes()),
        );
        assert!(o.status.success(), "{}", stderr(&o));
        for (line, text) in stdout_json(&o).iter().zip(texts) {
            let explains = line["explains"].as_str().expect("explains");
            assert_eq!(
                line["threshold"].as_f64(),
                thresholds.get(explains).copied()
            );
            let reasons = line["reasons"].as_array().unwrap();
            assert!(!reasons.is_empty() && reasons.len() <= n, "{line}");
            let mut seen = std::collections::HashSet::new();
            for r in reasons {
                let feature = r["feature"].as_str().unwrap();
                assert!(seen.insert(feature.to_string()), "{feature} twice: {line}");
                assert!(
                    !feature.starts_with('~') && feature == feature.trim(),
                    "{line}"
                );
                assert!(r["weight"].as_f64().unwrap() > 0.0);
                let spans = r["spans"].as_array().unwrap();
                assert!(!spans.is_empty());
                if r["kind"] == "word" {
                    for s in spans {
                        let (a, b) = (
                            s[0].as_u64().unwrap() as usize,
                            s[1].as_u64().unwrap() as usize,
                        );
                        let before = text[..a].chars().next_back();
                        let after = text[b..].chars().next();
                        assert!(
                            before.is_none_or(|c| !c.is_alphanumeric())
                                && after.is_none_or(|c| !c.is_alphanumeric()),
                            "{feature}: [{a}, {b}] is not a whole word of {text:?}"
                        );
                    }
                    let first = &spans[0];
                    let (a, b) = (
                        first[0].as_u64().unwrap() as usize,
                        first[1].as_u64().unwrap() as usize,
                    );
                    assert_eq!(&text[a..b], feature);
                } else {
                    assert!(r["kind"] == "phrase" || r["kind"] == "signal", "{r}");
                }
            }
        }
    }
    let o = run(
        &["score", "-", "--reasons", "0", "--quiet"],
        Some(input.as_bytes()),
    );
    assert!(stdout_json(&o)
        .iter()
        .all(|l| l["reasons"].as_array().unwrap().is_empty()));
}

/// `--threshold` overrides the stored review thresholds for one run, says so in the summary,
/// and refuses a class that is not a review class or a value outside [0, 1].
#[test]
fn threshold_override_changes_review_and_is_reported() {
    let examples = repo("datasets/examples.jsonl");
    let examples = examples.to_str().unwrap();
    let stored = run(&["score", examples, "--no-reasons"], None);
    let strict = run(
        &[
            "score",
            examples,
            "--no-reasons",
            "--threshold",
            "appeal=1,propaganda=1",
        ],
        None,
    );
    assert!(
        stored.status.success() && strict.status.success(),
        "{}",
        stderr(&strict)
    );
    let flagged = |o: &Output| {
        stdout_json(o)
            .iter()
            .filter(|l| l["review"] == true)
            .count()
    };
    assert!(flagged(&stored) > 0);
    assert_eq!(flagged(&strict), 0, "nothing reaches a threshold of 1");
    assert!(
        stderr(&strict).contains("thresholds appeal=1 (overridden), propaganda=1 (overridden)"),
        "{}",
        stderr(&strict)
    );
    assert!(stdout_json(&strict).iter().all(|l| l["threshold"] == 1.0));
    // One class only, repeated flags, and the other keeps its stored threshold.
    let o = run(
        &["score", examples, "--threshold", "appeal=0", "--quiet"],
        None,
    );
    assert!(stdout_json(&o)
        .iter()
        .filter(|l| l["explains"] == "appeal")
        .all(|l| l["threshold"] == 0.0));
    for bad in ["benign=0.5", "appeal=2", "appeal", "appeal=x"] {
        let o = run(&["score", examples, "--threshold", bad], None);
        assert_eq!(o.status.code(), Some(2), "{bad}");
        assert!(stderr(&o).contains("--threshold"), "{bad}: {}", stderr(&o));
    }
}

/// `--output` or `--queue` onto an input would empty the input before it is read, and the
/// queue onto the results would replace them: both are refused before anything is written.
#[test]
fn output_onto_an_input_or_onto_the_queue_is_refused_and_destroys_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("v.jsonl");
    let original = "{\"id\": 1, \"text\": \"the football match was great\"}\n";
    std::fs::write(&input, original).unwrap();
    let link = dir.path().join("link.jsonl");
    std::fs::hard_link(&input, &link).unwrap();
    let v = input.to_str().unwrap();
    let dotted = format!("{}/./v.jsonl", dir.path().display());
    let other = dir.path().join("o.jsonl");
    let o2 = format!("{}/./o.jsonl", dir.path().display());
    for args in [
        vec!["score", v, "--output", v],
        vec!["score", v, "--output", &dotted],
        vec!["score", v, "--output", link.to_str().unwrap()],
        vec!["score", v, "--queue", v],
        vec![
            "score",
            v,
            "--output",
            other.to_str().unwrap(),
            "--queue",
            &o2,
        ],
    ] {
        let o = run(&args, None);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains("--"), "{}", stderr(&o));
        assert_eq!(
            std::fs::read_to_string(&input).unwrap(),
            original,
            "{args:?}"
        );
        assert!(!other.exists(), "{args:?}: nothing is written");
    }
}

/// An input that fails part-way (a truncated gzip file after a good one) still exits 2, but
/// the results already scored stay readable, in Parquet as in JSON Lines.
#[test]
fn results_before_a_failing_input_are_kept_in_parquet_output() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.jsonl");
    let lines: String = (0..20)
        .map(|i| {
            serde_json::json!({"id": i, "text": format!("post number {i} about football")})
                .to_string()
                + "\n"
        })
        .collect();
    std::fs::write(&good, &lines).unwrap();
    let bad = dir.path().join("bad.jsonl.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(lines.repeat(50).as_bytes()).unwrap();
    let bytes = gz.finish().unwrap();
    std::fs::write(&bad, &bytes[..bytes.len() / 2]).unwrap();
    let out = dir.path().join("out.parquet");
    let o = score(
        &[
            good.to_str().unwrap(),
            bad.to_str().unwrap(),
            "--output",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("bad.jsonl.gz"), "{}", stderr(&o));
    let file = std::fs::File::open(&out).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .expect("the output is a readable Parquet file")
        .build()
        .unwrap();
    let rows: usize = reader.map(|b| b.unwrap().num_rows()).sum();
    assert!(rows >= 20, "the good input's results are kept: {rows} rows");
}

#[test]
fn review_only_and_the_review_queue() {
    let dir = tempfile::tempdir().unwrap();
    let queue = dir.path().join("queue.csv");
    let input = "{\"id\": \"a\", \"text\": \"the football match was great\"}\n\
                 {\"id\": \"@SUM(1+1)\", \"text\": \"d0nate to the fighters, the caliphate needs your sadaqah, wallet in bio\"}\n\
                 {\"id\": \"c\", \"text\": \"Glory to the martyrs of the caliphate, they died as lions and their blood lights the path\"}\n\
                 {\"id\": \"d\"}\n";
    let o = score(
        &[
            "-",
            "--review-only",
            "--no-reasons",
            "--queue",
            queue.to_str().unwrap(),
        ],
        Some(input.as_bytes()),
    );
    assert_eq!(o.status.code(), Some(1), "one error record");
    let lines = stdout_json(&o);
    assert!(lines
        .iter()
        .all(|l| l["review"] == true || l.get("error").is_some()));
    assert!(
        lines
            .iter()
            .any(|l| l["id"] == "d" && l.get("error").is_some()),
        "errors are kept"
    );
    assert!(lines.iter().all(|l| l
        .get("reasons")
        .is_none_or(|r| r.as_array().unwrap().is_empty())));
    let flagged: Vec<&serde_json::Value> = lines.iter().filter(|l| l["review"] == true).collect();
    assert!(!flagged.is_empty());
    let mut rdr = csv::Reader::from_path(&queue).unwrap();
    let headers = rdr.headers().unwrap().clone();
    assert_eq!(&headers[0], "rank");
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), flagged.len(), "every flagged record is queued");
    let score_col = headers.iter().position(|h| h == "harmful_score").unwrap();
    let scores: Vec<f64> = rows.iter().map(|r| r[score_col].parse().unwrap()).collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "sorted by harmful score: {scores:?}"
    );
    let text_col = headers
        .iter()
        .position(|h| h == "highlighted_text")
        .unwrap();
    assert!(
        rows.iter().any(|r| r[text_col].contains("[[")),
        "reasons are marked in the text"
    );
    // Safe to open in a spreadsheet: no cell starts a formula; the id that would is quoted.
    assert!(rows
        .iter()
        .flat_map(|r| r.iter())
        .all(|c| !c.starts_with(['=', '+', '-', '@', '\t', '\r'])));
    let id_col = headers.iter().position(|h| h == "id").unwrap();
    assert!(rows.iter().any(|r| &r[id_col] == "'@SUM(1+1)"));
    let reasons_col = headers.iter().position(|h| h == "reasons").unwrap();
    assert!(
        rows.iter().all(|r| !r[reasons_col].contains("  (")),
        "feature names are trimmed"
    );
    // Columns for the reviewer, empty.
    let n = headers.len();
    assert_eq!((&headers[n - 2], &headers[n - 1]), ("decision", "notes"));
    assert!(rows
        .iter()
        .all(|r| r[n - 2].is_empty() && r[n - 1].is_empty()));
}

/// Scores, labels, reasons and spans stay byte-identical for the same model: a model trained
/// (deterministically) from four writers' files with tests/golden/config.toml scores a fixed
/// corpus (the robustness pairs, clean and obfuscated, and every third short post of
/// w-short-faith, in fifteen languages), and the output must equal tests/golden/score.jsonl.
/// A change meant to alter the output regenerates it with `REDFLAG_BLESS=1 cargo test
/// --release --test cli golden` and says why in its commit.
#[test]
fn golden_output_is_unchanged_for_the_same_model() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("golden.rfm");
    let mut args = vec!["train".to_string(), "--data".to_string()];
    for w in [
        "w-en-stance",
        "w-faith-multi",
        "w-community-warn",
        "w-rails-2",
    ] {
        args.push(
            repo(&format!("datasets/writers/{w}.jsonl"))
                .to_str()
                .unwrap()
                .to_string(),
        );
    }
    for a in [
        "--config",
        repo("tests/golden/config.toml").to_str().unwrap(),
        "--out",
        model.to_str().unwrap(),
        "--quiet",
        "--threads",
        "2",
    ] {
        args.push(a.to_string());
    }
    let argv: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
    let o = run(&argv, None);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut corpus = String::new();
    for line in std::fs::read_to_string(repo("datasets/robustness/pairs.jsonl"))
        .unwrap()
        .lines()
    {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        for side in ["clean", "variant"] {
            let r = serde_json::json!({"id": format!("{}-{side}", v["id"].as_str().unwrap()), "text": v[side]});
            corpus.push_str(&r.to_string());
            corpus.push('\n');
        }
    }
    let short = std::fs::read_to_string(repo("datasets/writers/w-short-faith.jsonl")).unwrap();
    for line in short.lines().step_by(3) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let r = serde_json::json!({"id": v["id"], "text": v["text"]});
        corpus.push_str(&r.to_string());
        corpus.push('\n');
    }
    let input = dir.path().join("corpus.jsonl");
    std::fs::write(&input, &corpus).unwrap();
    let mut outputs = Vec::new();
    for threads in ["1", "2"] {
        let o = run(
            &[
                "score",
                input.to_str().unwrap(),
                "--model",
                model.to_str().unwrap(),
                "--reasons",
                "3",
                "--threads",
                threads,
                "--quiet",
            ],
            None,
        );
        assert!(o.status.success(), "{}", stderr(&o));
        outputs.push(o.stdout);
    }
    assert_eq!(
        outputs[0], outputs[1],
        "one thread and two give the same output"
    );
    let golden = repo("tests/golden/score.jsonl");
    if std::env::var_os("REDFLAG_BLESS").is_some() {
        std::fs::write(&golden, &outputs[0]).unwrap();
    }
    let want = std::fs::read(&golden).unwrap();
    if outputs[0] != want {
        let got = String::from_utf8_lossy(&outputs[0]);
        let want = String::from_utf8_lossy(&want);
        let (i, (g, w)) = got
            .lines()
            .zip(want.lines())
            .enumerate()
            .find(|(_, (g, w))| g != w)
            .unwrap_or((
                got.lines().count().min(want.lines().count()),
                ("(end)", "(end)"),
            ));
        panic!(
            "output differs from tests/golden/score.jsonl at line {} ({} lines against {}):\n got: {g}\nwant: {w}",
            i + 1,
            got.lines().count(),
            want.lines().count()
        );
    }
    assert!(corpus.lines().count() > 400);
}

#[test]
fn tune_time_limit_and_quick_preset_cut_the_work_and_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let config = fixture_config(dir.path());
    let data = fixture("train.jsonl");
    let n_records = std::fs::read_to_string(&data).unwrap().lines().count();
    // A limit that has passed once the first trial ends: one trial of three runs, and the
    // report says why.
    let out = dir.path().join("limited");
    let o = run(
        &[
            "tune",
            "--data",
            data.to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
            "--folds",
            "2",
            "--group-by",
            "id",
            "--budget",
            "3",
            "--ablation",
            "--time-limit",
            "0.001s",
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("tune.json")).unwrap()).unwrap();
    assert_eq!(report["trials"].as_array().unwrap().len(), 1);
    assert_eq!(report["ablation"].as_array().unwrap().len(), 0);
    assert!(
        report["stopped"].as_str().unwrap().contains("time limit"),
        "{report}"
    );
    assert!(stderr(&o).contains("--time-limit"), "{}", stderr(&o));
    assert!(std::fs::read_to_string(out.join("tune.md"))
        .unwrap()
        .contains("Stopped early"));
    // --quick: 2 folds, 3 trials, and --sample still wins over its 20000.
    let out = dir.path().join("quick");
    let keep = n_records - 5;
    let o = run(
        &[
            "tune",
            "--data",
            data.to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
            "--group-by",
            "id",
            "--quick",
            "--sample",
            &keep.to_string(),
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("tune.json")).unwrap()).unwrap();
    assert_eq!(report["folds"], 2);
    assert_eq!(report["records"], keep);
    assert_eq!(report["trials"].as_array().unwrap().len(), 3);
    assert!(report.get("stopped").is_none());
    assert!(
        stderr(&o).contains(&format!("a sample of {keep} of {n_records} records")),
        "{}",
        stderr(&o)
    );
    // A bad duration is a usage error.
    let o = run(
        &[
            "tune",
            "--data",
            data.to_str().unwrap(),
            "--time-limit",
            "5 days",
            "--out",
            "x",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown unit"), "{}", stderr(&o));
}

#[test]
fn tune_writes_a_usable_config_and_card_writes_a_model_card() {
    let dir = tempfile::tempdir().unwrap();
    let config = fixture_config(dir.path());
    let out = dir.path().join("tune");
    let data = fixture("train.jsonl");
    let o = run(
        &[
            "tune",
            "--data",
            data.to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
            "--folds",
            "2",
            "--group-by",
            "id",
            "--budget",
            "2",
            "--ablation",
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("tune.json")).unwrap()).unwrap();
    assert_eq!(report["trials"].as_array().unwrap().len(), 2);
    assert!(report["ablation"].as_array().unwrap().len() >= 6);
    assert!(std::fs::read_to_string(out.join("tune.md"))
        .unwrap()
        .contains("## Ablation"));
    let model = dir.path().join("tuned.rfm");
    let o = run(
        &[
            "train",
            "--data",
            data.to_str().unwrap(),
            "--config",
            out.join("best.toml").to_str().unwrap(),
            "--out",
            model.to_str().unwrap(),
            "--quiet",
        ],
        None,
    );
    assert!(o.status.success(), "best.toml trains: {}", stderr(&o));
    let card = dir.path().join("card.md");
    let o = run(
        &[
            "card",
            "--model",
            model.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
            "--recipe",
            repo("datasets/recipe.toml").to_str().unwrap(),
            "--tune",
            out.join("tune.json").to_str().unwrap(),
            "--robustness",
            repo("datasets/robustness/pairs.jsonl").to_str().unwrap(),
            "--resamples",
            "50",
            "--out",
            card.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&card).unwrap();
    for section in [
        "## Intended use",
        "human review only",
        "## Training data",
        "## In-distribution test split",
        "### Review burden by family of lawful text (test split)",
        "### Per identified language (test split)",
        "### Test metrics",
        "## Ablation",
        "## Obfuscation robustness",
        "## Known limits",
        "CC0",
    ] {
        assert!(text.contains(section), "card lacks {section:?}");
    }
    assert!(
        !text.contains("**Warning:**"),
        "the tune report matches this model"
    );
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
    // The same tune report on a model of another configuration: a warning, on standard
    // error and in the card.
    let o = run(
        &[
            "card",
            "--model",
            fixture_model().to_str().unwrap(),
            "--tune",
            out.join("tune.json").to_str().unwrap(),
            "--out",
            card.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("warning:"), "{}", stderr(&o));
    let text = std::fs::read_to_string(&card).unwrap();
    assert!(text.contains("**Warning:** the tuning report"), "{text}");
}

#[test]
fn the_shipped_default_card_describes_the_embedded_model() {
    let o = run(&["inspect"], None);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let sha = v["sha256"].as_str().unwrap();
    let card = std::fs::read_to_string(repo("models/default.card.md"))
        .expect("models/default.card.md is shipped");
    assert!(card.contains(sha), "models/default.card.md was not generated from the embedded model; run datasets/build-default-model.sh");
}

/// Writes `tests/fixtures/train.jsonl` as Parquet with an integer id column, a `body` text
/// column with one null, and the labels; returns the path and the records' texts.
fn parquet_fixture(dir: &Path, null_row: Option<usize>) -> (PathBuf, Vec<Option<String>>) {
    use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
    use std::sync::Arc;
    let records: Vec<serde_json::Value> = std::fs::read_to_string(fixture("train.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut texts: Vec<Option<String>> = records
        .iter()
        .map(|r| r["text"].as_str().map(str::to_string))
        .collect();
    if let Some(i) = null_row {
        texts[i] = None;
    }
    let labels: Vec<Option<&str>> = records.iter().map(|r| r["label"].as_str()).collect();
    let ids: Vec<i64> = (0..records.len() as i64).map(|i| 1000 + i).collect();
    let batch = RecordBatch::try_from_iter([
        ("post_id", Arc::new(Int64Array::from(ids)) as ArrayRef),
        (
            "body",
            Arc::new(StringArray::from(texts.clone())) as ArrayRef,
        ),
        ("label", Arc::new(StringArray::from(labels)) as ArrayRef),
    ])
    .unwrap();
    let path = dir.join(if null_row.is_some() {
        "posts-null.parquet"
    } else {
        "posts.parquet"
    });
    let props = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(7))
        .build();
    let mut w = parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(&path).unwrap(),
        batch.schema(),
        Some(props),
    )
    .unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    (path, texts)
}

#[test]
fn parquet_in_and_out_matches_json_lines_scoring() {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Float64Type, UInt64Type};
    use arrow_array::Array;
    let dir = tempfile::tempdir().unwrap();
    let (input, texts) = parquet_fixture(dir.path(), Some(5));
    let out = dir.path().join("results.parquet");
    let o = score(
        &[
            input.to_str().unwrap(),
            "--text-column",
            "body",
            "--id-column",
            "post_id",
            "--output",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(1), "one error record: {}", stderr(&o));
    // The same texts as JSON Lines, scored the ordinary way.
    let jsonl: String = texts
        .iter()
        .flatten()
        .map(|t| serde_json::json!({ "text": t }).to_string() + "\n")
        .collect();
    let expected = stdout_json(&score(&[], Some(jsonl.as_bytes())));
    let file = std::fs::File::open(&out).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let (mut rows, mut errors, mut scored) = (0usize, 0usize, 0usize);
    for batch in reader {
        let batch = batch.unwrap();
        let column = |name: &str| batch.column_by_name(name).unwrap().clone();
        let (id, error, label, reasons) = (
            column("id"),
            column("error"),
            column("label"),
            column("reasons"),
        );
        let (id, error, label, reasons) = (
            id.as_string::<i32>(),
            error.as_string::<i32>(),
            label.as_string::<i32>(),
            reasons.as_string::<i32>(),
        );
        let record = column("record");
        let record = record.as_primitive::<UInt64Type>();
        for i in 0..batch.num_rows() {
            assert_eq!(id.value(i), (1000 + rows).to_string());
            assert_eq!(record.value(i), rows as u64 + 1);
            if texts[rows].is_none() {
                assert!(
                    error.value(i).contains("`body` column is null"),
                    "{}",
                    error.value(i)
                );
                assert!(label.is_null(i));
                errors += 1;
            } else {
                let want = &expected[scored];
                assert!(error.is_null(i));
                assert_eq!(label.value(i), want["label"].as_str().unwrap());
                for (class, p) in want["scores"].as_object().unwrap() {
                    let col = batch
                        .column_by_name(&format!("score_{class}"))
                        .unwrap()
                        .as_primitive::<Float64Type>();
                    assert_eq!(col.value(i), p.as_f64().unwrap(), "row {rows} {class}");
                }
                let r: serde_json::Value = serde_json::from_str(reasons.value(i)).unwrap();
                assert_eq!(r, want["reasons"]);
                scored += 1;
            }
            rows += 1;
        }
    }
    assert_eq!((rows, errors), (texts.len(), 1));

    // Parquet results need a file; Parquet cannot come from standard input.
    let o = score(&["--output-format", "parquet"], Some(b""));
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--output FILE.parquet"),
        "{}",
        stderr(&o)
    );
    let o = score(&["-", "--format", "parquet"], Some(b""));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("standard input"), "{}", stderr(&o));
    // A missing column names the columns there are.
    let o = score(&[input.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("columns: post_id, body, label"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn evaluate_and_train_read_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let (clean, _) = parquet_fixture(dir.path(), None);
    let (with_null, _) = parquet_fixture(dir.path(), Some(5));
    let model = fixture_model().to_str().unwrap().to_string();
    let evaluate = |data: &Path, out: &str| {
        run(
            &[
                "evaluate",
                "--model",
                &model,
                "--data",
                data.to_str().unwrap(),
                "--text-column",
                "body",
                "--out",
                dir.path().join(out).to_str().unwrap(),
                "--resamples",
                "20",
            ],
            None,
        )
    };
    let o = evaluate(&clean, "r1");
    assert!(o.status.success(), "{}", stderr(&o));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("r1").join("report.json")).unwrap())
            .unwrap();
    assert_eq!(report["records"], 23, "{report}");
    // The null text is an error naming the row.
    let o = evaluate(&with_null, "r2");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("posts-null.parquet: record 6 (line 6): the `body` column is null"),
        "{}",
        stderr(&o)
    );
    let config = fixture_config(dir.path());
    let out = dir.path().join("m.rfm");
    let o = run(
        &[
            "train",
            "--data",
            clean.to_str().unwrap(),
            "--text-column",
            "body",
            "--config",
            config.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&["inspect", out.to_str().unwrap()], None);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["header"]["meta"]["rows"], 23, "{v}");
}

#[test]
fn a_gzip_bomb_stops_with_an_error_naming_the_file_and_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bomb.jsonl.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(b"{\"text\": \"fine\"}\n").unwrap();
    let zeros = vec![b' '; 1 << 20];
    for _ in 0..80 {
        gz.write_all(&zeros).unwrap();
    }
    std::fs::write(&path, gz.finish().unwrap()).unwrap();
    let o = score(&[path.to_str().unwrap(), "--quiet"], None);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("bomb.jsonl.gz") && err.contains("--max-gzip-ratio"),
        "{err}"
    );
    // The record before the bomb was scored and written.
    assert_eq!(stdout_json(&o).len(), 1);
    // Turned off, the same file reads to its end: the 80 MiB line is over the line limit,
    // so it is an error record, read past without being buffered.
    let o = score(
        &[path.to_str().unwrap(), "--quiet", "--max-gzip-ratio", "0"],
        None,
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout_json(&o);
    assert_eq!(out.len(), 2);
    assert!(
        out[1]["error"].as_str().unwrap().contains("longer than"),
        "{}",
        out[1]
    );
}

/// The JSON a `--review-html` page embeds for its script.
fn review_page_data(html: &str) -> serde_json::Value {
    let start = html
        .find("id=\"redflag-data\"")
        .expect("the page embeds its data");
    let start = start + html[start..].find('>').unwrap() + 1;
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).expect("the embedded data is JSON")
}

/// `--review-html` lists exactly the flagged records, highest harmful score (the largest
/// review-class probability) first, ties in input order, each named by its input and line,
/// from JSON Lines, CSV, text and Parquet input alike; the page does not depend on the
/// thread count; and data cannot break out of the page's JSON.
#[test]
fn review_html_lists_flagged_records_in_harmful_order_from_every_input_format() {
    let dir = tempfile::tempdir().unwrap();
    let jsonl = dir.path().join("posts.jsonl");
    std::fs::write(
        &jsonl,
        "{\"id\": \"</script><svg onload=alert(1)>\", \"text\": \"🦁 <script>alert(1)</script> send Monero to the brothers at the front, zakat for the fighters\"}\n\
         {\"id\": \"b\", \"text\": \"the football match was great\"}\n\
         not json\n\
         {\"text\": \"Glory to the martyrs of the caliphate, they died as lions\"}\n\
         {\"id\": \"e\", \"text\": \"d0nate to the fighters, the caliphate needs your sadaqah, wallet in bio\"}\n",
    )
    .unwrap();
    let (parquet, _) = parquet_fixture(dir.path(), Some(2));
    let cases: Vec<(PathBuf, Vec<&str>)> = vec![
        (jsonl.clone(), vec![]),
        (fixture("score.csv"), vec![]),
        (fixture("score.txt"), vec![]),
        (
            parquet,
            vec!["--text-column", "body", "--id-column", "post_id"],
        ),
    ];
    let mut flagged_somewhere = 0;
    for (input, extra) in &cases {
        let page = dir.path().join("review.html");
        let results = dir.path().join("results.jsonl");
        let mut args = vec![
            input.to_str().unwrap(),
            "--threads",
            "2",
            "--output",
            results.to_str().unwrap(),
            "--review-html",
            page.to_str().unwrap(),
        ];
        args.extend(extra);
        let o = score(&args, None);
        assert!(o.status.code().unwrap() <= 1, "{input:?}: {}", stderr(&o));
        let results: Vec<serde_json::Value> = std::fs::read_to_string(&results)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let html = std::fs::read_to_string(&page).unwrap();
        let data = review_page_data(&html);
        let harmful = |r: &serde_json::Value| {
            ["appeal", "propaganda"]
                .iter()
                .map(|c| r["scores"][c].as_f64().unwrap())
                .fold(0.0, f64::max)
        };
        // Results carry no line number; error records do, and records count lines here.
        let mut expected: Vec<(f64, String, u64)> = Vec::new();
        let lines: Vec<String> = std::fs::read_to_string(input)
            .map(|t| t.lines().map(str::to_string).collect())
            .unwrap_or_default();
        let header = usize::from(input.extension().unwrap() == "csv");
        for (i, r) in results.iter().enumerate() {
            if r["review"] == true {
                let line = if input.extension().unwrap() == "parquet" {
                    i as u64 + 1
                } else {
                    assert!(lines.len() > i + header);
                    (i + 1 + header) as u64
                };
                let id = match &r["id"] {
                    serde_json::Value::String(s) => s.clone(),
                    v => v.to_string(),
                };
                expected.push((harmful(r), id, line));
            }
        }
        expected.sort_by(|a, b| b.0.total_cmp(&a.0));
        let records = data["records"].as_array().unwrap();
        assert_eq!(data["flagged"], expected.len(), "{input:?}");
        assert_eq!(data["records_read"], results.len(), "{input:?}");
        assert_eq!(
            records.len(),
            expected.len(),
            "{input:?}: flagged records only"
        );
        for (r, (h, id, line)) in records.iter().zip(&expected) {
            assert_eq!(r["id"].as_str().unwrap(), id, "{input:?}");
            assert_eq!(r["harmful"].as_f64().unwrap(), *h);
            assert_eq!(
                r["source"].as_str().unwrap(),
                format!("{}:{line}", input.to_str().unwrap()),
                "{input:?}"
            );
            assert!(r["explains"].is_string() && r["threshold"].is_number());
        }
        flagged_somewhere += expected.len();
        if input == &jsonl {
            assert!(expected
                .iter()
                .any(|(_, id, _)| id.starts_with("</script>")));
            assert_eq!(data["errors"], 1, "the malformed line");
            // Two <script> elements, the page's own; the hostile id and text stay inside
            // the JSON, escaped.
            assert_eq!(html.matches("<script").count(), 2);
            assert_eq!(html.matches("</script>").count(), 2);
            assert!(!html.contains("<svg"));
            // The page is the same whatever the thread count (its decisions key with it).
            let again = dir.path().join("again.html");
            let o = score(
                &[
                    input.to_str().unwrap(),
                    "--threads",
                    "1",
                    "--review-html",
                    again.to_str().unwrap(),
                    "--quiet",
                ],
                None,
            );
            assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
            assert_eq!(std::fs::read_to_string(&again).unwrap(), html);
        }
    }
    assert!(flagged_somewhere > 0, "the fixtures flag something");
}

/// `--review-html` onto an input, or onto the same file as `--output` or `--queue`, is
/// refused before anything is written.
#[test]
fn review_html_onto_an_input_or_another_output_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("v.jsonl");
    let original = "{\"id\": 1, \"text\": \"send Monero to the brothers at the front\"}\n";
    std::fs::write(&input, original).unwrap();
    let v = input.to_str().unwrap();
    let out = dir.path().join("o.html");
    let o = out.to_str().unwrap();
    let dotted = format!("{}/./o.html", dir.path().display());
    for (args, flag) in [
        (vec!["score", v, "--review-html", v], "--review-html"),
        (
            vec!["score", v, "--output", o, "--review-html", &dotted],
            "--output and --review-html",
        ),
        (
            vec!["score", v, "--queue", o, "--review-html", &dotted],
            "--queue and --review-html",
        ),
    ] {
        let r = run(&args, None);
        assert_eq!(r.status.code(), Some(2), "{args:?}");
        assert!(stderr(&r).contains(flag), "{}", stderr(&r));
        assert_eq!(std::fs::read_to_string(&input).unwrap(), original);
        assert!(!out.exists(), "{args:?}: nothing is written");
    }
}
