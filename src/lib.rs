//! # redflag
//!
//! Flags posts that solicit money or material support for terrorist or violent-extremist
//! groups (crypto donation appeals above all), and extremist propaganda, **for human
//! review**. redflag ranks and explains; a person decides. It never takes action on content.
//!
//! The pipeline, one module per stage: [`io`] reads records (JSON Lines, CSV, text) →
//! [`text`] analyses them (Unicode normalisation, obfuscation folding, typed signal tokens
//! for crypto addresses, URLs, handles and amounts, tokenisation, stemming, n-grams, every
//! term keeping its byte span in the original text) → [`features`] builds sparse TF-IDF rows
//! over a pruned vocabulary → [`model`] applies a sparse multinomial logistic regression and
//! the per-class review thresholds, and explains each score with the features that pushed
//! it. [`train`] fits all of it from labelled records; [`bundle`] stores the result in one
//! versioned, checksummed model file, and the default model is embedded in the binary.
//!
//! ```no_run
//! use redflag::{Classifier, ScoreScratch};
//!
//! let model = Classifier::default_model()?;
//! let mut scratch = ScoreScratch::default();
//! let p = model.score("Zakat for the brothers at the front. XMR only.", &mut scratch, true);
//! for (class, prob) in model.classes().iter().zip(&p.probabilities) {
//!     println!("{class}: {prob:.3}");
//! }
//! println!("review: {}", p.review);
//! # Ok::<(), redflag::Error>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod bundle;
pub mod card;
mod classifier;
pub mod config;
pub mod data;
mod error;
pub mod eval;
pub mod features;
pub mod io;
pub mod metrics;
pub mod model;
pub mod progress;
pub mod result;
pub mod text;
pub mod train;
pub mod tune;

pub use classifier::{
    Classifier, DataFile, ModelMeta, Prediction, ScoreScratch, MAX_REASONS, MAX_SPANS_PER_REASON,
};
pub use error::{Error, ErrorKind, Position, Result};

/// The number of cases a property test runs: `default`, or `PROPTEST_CASES` when set
/// (for long runs: `PROPTEST_CASES=100000 cargo test --release properties`).
#[cfg(test)]
pub(crate) fn test_cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The import graph of the library's top-level modules has no circles: data flows one way
/// (io → text → features → model → classifier → model file; configuration and metrics below
/// training, evaluation above it). A `crate::` path in a module's non-test code is an edge;
/// names re-exported at the crate root count for the module that defines them.
#[cfg(test)]
mod layering {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    fn graph() -> BTreeMap<String, BTreeSet<String>> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        // Names the crate root re-exports (`pub use classifier::{Classifier, ...}`), each
        // with the module that defines it.
        let lib = std::fs::read_to_string(root.join("lib.rs")).unwrap();
        let mut roots: Vec<(String, String)> = Vec::new();
        for item in lib.split("\npub use ").skip(1) {
            let (module, names) = item.split_once("::").unwrap();
            let names = names.split(';').next().unwrap();
            for name in names.trim_matches(|c| c == '{' || c == '}').split(',') {
                roots.push((name.trim().to_string(), module.to_string()));
            }
        }
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let rel = path
                    .strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .to_string();
                let top = rel
                    .split('/')
                    .next()
                    .unwrap()
                    .trim_end_matches(".rs")
                    .to_string();
                if !rel.ends_with(".rs") || ["main", "lib", "cli"].contains(&top.as_str()) {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                let code = text.split("#[cfg(test)]").next().unwrap();
                let edges = graph.entry(top.clone()).or_default();
                for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
                    for (i, _) in line.match_indices("crate::") {
                        let rest = &line[i + "crate::".len()..];
                        let names: Vec<&str> = match rest.strip_prefix('{') {
                            Some(list) => list
                                .split('}')
                                .next()
                                .unwrap()
                                .split(',')
                                .map(|n| n.trim().split("::").next().unwrap())
                                .collect(),
                            None => vec![rest
                                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                                .next()
                                .unwrap()],
                        };
                        for name in names {
                            let module = roots
                                .iter()
                                .find(|(n, _)| n == name)
                                .map_or(name, |(_, m)| m.as_str());
                            if !module.is_empty() && module != top {
                                edges.insert(module.to_string());
                            }
                        }
                    }
                }
            }
        }
        graph
    }

    #[test]
    fn the_import_graph_has_no_circles() {
        let graph = graph();
        assert!(graph.contains_key("classifier") && graph["bundle"].contains("classifier"));
        // Depth-first search; a grey node met again closes a circle.
        fn visit<'a>(
            node: &'a str,
            graph: &'a BTreeMap<String, BTreeSet<String>>,
            colour: &mut BTreeMap<&'a str, u8>,
            path: &mut Vec<&'a str>,
        ) {
            colour.insert(node, 1);
            path.push(node);
            for next in graph.get(node).into_iter().flatten() {
                match colour.get(next.as_str()) {
                    Some(1) => {
                        let from = path.iter().position(|n| n == next).unwrap();
                        panic!("import circle: {} -> {next}", path[from..].join(" -> "));
                    }
                    Some(_) => {}
                    None => visit(next, graph, colour, path),
                }
            }
            path.pop();
            colour.insert(node, 2);
        }
        let mut colour = BTreeMap::new();
        for node in graph.keys() {
            if !colour.contains_key(node.as_str()) {
                visit(node, &graph, &mut colour, &mut Vec::new());
            }
        }
    }
}
