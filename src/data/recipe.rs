//! The recipe: every input of the training data, how to read it and how its labels map.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Fractions of groups sent to validation and test; the rest is train.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SplitFractions {
    /// Fraction for validation.
    pub validation: f64,
    /// Fraction for test.
    pub test: f64,
}

impl Default for SplitFractions {
    fn default() -> Self {
        SplitFractions {
            validation: 0.1,
            test: 0.1,
        }
    }
}

/// Record filters, applied per source.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Filters {
    /// Drop texts with fewer characters (after trimming).
    pub min_chars: usize,
    /// Cut texts longer than this many characters (at a character boundary).
    pub max_chars: Option<usize>,
    /// Drop texts whose near-duplicate key was already seen (in this or an earlier source).
    pub dedupe: bool,
    /// Drop retweets (`RT @...`).
    pub drop_retweets: bool,
    /// Keep only rows whose `lang_column` is one of these (empty: keep all).
    pub languages: Vec<String>,
    /// The column holding a language code.
    pub lang_column: Option<String>,
    /// Keep at most this many records, chosen by a stable hash of their id (not the first N).
    pub max_records: Option<usize>,
    /// Drop texts with fewer alphabetic words than this after removing links and handles.
    pub min_words: usize,
    /// Regular expressions whose matches are removed from the text first (collection
    /// artifacts, e.g. the placeholder link a corpus put where a suspended account's URL was).
    pub strip: Vec<String>,
    /// Decode HTML entities (`&amp;`, `&#8220;` ...) that a corpus left in its text.
    pub unescape_html: bool,
    /// Keep a near-duplicate when it is in the same group as the text it repeats: for
    /// project files whose groups declare variants (e.g. an obfuscated copy of a clean
    /// example). Identical texts are dropped all the same.
    pub keep_group_variants: bool,
}

impl Default for Filters {
    fn default() -> Self {
        Filters {
            min_chars: 1,
            max_chars: None,
            dedupe: true,
            drop_retweets: false,
            languages: Vec::new(),
            lang_column: None,
            max_records: None,
            min_words: 0,
            keep_group_variants: false,
            strip: Vec::new(),
            unescape_html: false,
        }
    }
}

/// A labelling rule: when every given condition holds, the record gets `label`
/// (`"drop"` drops it). Rules are tried in order before the label map.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelRule {
    /// Column whose value is compared with `equals`.
    #[serde(default)]
    pub column: Option<String>,
    /// Required value of `column` (any of these).
    #[serde(default)]
    pub equals: Vec<String>,
    /// Case-insensitive regular expression the text must match.
    #[serde(default)]
    pub text_matches: Option<String>,
    /// The label given, or `"drop"`.
    pub label: String,
    /// The slice given (optional).
    #[serde(default)]
    pub slice: Option<String>,
}

/// One input of a recipe.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    /// Short name; becomes the records' `source` unless the file carries its own.
    pub name: String,
    /// Path: relative to the recipe's folder, or `{corpora}/...` for public corpora.
    pub path: String,
    /// `jsonl`, `csv` (with a header unless `columns` is given) or `tsv` (tab-separated,
    /// no quoting: the last field of an over-long line is its last column).
    pub format: String,
    /// Column names of a CSV/TSV file without a header line.
    #[serde(default)]
    pub columns: Vec<String>,
    /// Column(s) holding the text; several are joined with a newline.
    #[serde(default = "default_text")]
    pub text: Vec<String>,
    /// Column holding an id (default: the row number). Ids are prefixed with the source
    /// name unless `keep_ids` is set.
    #[serde(default)]
    pub id: Option<String>,
    /// Use ids as they are (for project files whose ids are already unique).
    #[serde(default)]
    pub keep_ids: bool,
    /// A constant label for every record.
    #[serde(default)]
    pub label: Option<String>,
    /// Column holding the label.
    #[serde(default)]
    pub label_column: Option<String>,
    /// Raw label value → label (or `"drop"`). Values not listed are dropped and counted.
    #[serde(default)]
    pub label_map: std::collections::BTreeMap<String, String>,
    /// Rules tried before the label map.
    #[serde(default)]
    pub rules: Vec<LabelRule>,
    /// A constant slice.
    #[serde(default)]
    pub slice: Option<String>,
    /// Column holding the slice.
    #[serde(default)]
    pub slice_column: Option<String>,
    /// Column holding each record's `source` (for project files that record it, e.g.
    /// `handwritten`); without it, the source is the source's `name`. Other columns called
    /// `source` in a corpus (often an account) are never used as the source.
    #[serde(default)]
    pub source_column: Option<String>,
    /// Column holding the group key for splits (account, dialogue, campaign...).
    /// Without one, each record is its own group (near-duplicates are removed first).
    #[serde(default)]
    pub group: Option<String>,
    /// Per-record labels from a file of `id<TAB>label` lines (a header line starting with
    /// `id` is skipped), relative to the recipe's folder: the project's annotations of a
    /// public corpus. A row whose id is not in the file is dropped ("not annotated"); the
    /// annotation replaces every other label (rules still give the slice, with `{label}`
    /// in a slice replaced by the label).
    #[serde(default)]
    pub annotations: Option<String>,
    /// A constant writer for every record (e.g. `public:fifthtribe` or the project's
    /// original writer).
    #[serde(default)]
    pub writer: Option<String>,
    /// Column holding each record's writer.
    #[serde(default)]
    pub writer_column: Option<String>,
    /// A constant language (ISO 639 code) for every record.
    #[serde(default)]
    pub language: Option<String>,
    /// Column holding each record's language (ISO 639 or FLORES codes such as `arb_Arab`,
    /// mapped to ISO 639-1 by [`crate::data::language_code`]).
    #[serde(default)]
    pub language_column: Option<String>,
    /// Whether the source's terms allow commercial use: `true`, `false` (non-commercial or
    /// research only), or left out when the terms are unclear. `data build
    /// --commercial-only` keeps only sources marked `true`.
    #[serde(default)]
    pub commercial: Option<bool>,
    /// Filters.
    #[serde(default)]
    pub filters: Filters,
    /// True for public corpora a user may not have; a missing file is then reported with
    /// `upstream` and skipped only under `--allow-missing`.
    #[serde(default)]
    pub public: bool,
    /// Where the data comes from (for the dataset card and missing-file messages).
    #[serde(default)]
    pub upstream: String,
    /// Its licence.
    #[serde(default)]
    pub licence: String,
}

fn default_text() -> Vec<String> {
    vec!["text".into()]
}

/// A dataset recipe (TOML).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    /// Name of the dataset.
    pub name: String,
    /// Seed of the split hash.
    #[serde(default)]
    pub seed: u64,
    /// Where public corpora live, relative to the recipe's folder (overridable).
    #[serde(default = "default_corpora")]
    pub corpora: String,
    /// Split fractions.
    #[serde(default)]
    pub splits: SplitFractions,
    /// The inputs, in priority order (earlier sources win duplicates).
    pub sources: Vec<SourceSpec>,
}

fn default_corpora() -> String {
    "../../shared/corpora".into()
}

impl Recipe {
    /// Parses and checks a recipe.
    pub fn from_toml(text: &str) -> Result<Self> {
        let r: Recipe = toml::from_str(text).map_err(|e| Error::config(format!("recipe: {e}")))?;
        r.check()?;
        Ok(r)
    }

    /// Reads a recipe file.
    pub fn load(path: &Path) -> Result<Self> {
        let text =
            std::fs::read_to_string(path).map_err(|e| Error::io(Some(path.to_path_buf()), e))?;
        Self::from_toml(&text)
    }

    /// Checks fractions, formats, label specifications and rule regexes.
    pub fn check(&self) -> Result<()> {
        let f = &self.splits;
        if !(0.0..1.0).contains(&f.validation)
            || !(0.0..1.0).contains(&f.test)
            || f.validation + f.test >= 1.0
        {
            return Err(Error::config(format!(
                "recipe: splits.validation ({}) and splits.test ({}) must be in [0, 1) and leave room for train",
                f.validation, f.test
            )));
        }
        for (i, s) in self.sources.iter().enumerate() {
            let at = |m: String| Error::config(format!("recipe: source {:?}: {m}", s.name));
            if self.sources[..i].iter().any(|o| o.name == s.name) {
                return Err(at("the name is used twice".into()));
            }
            if !["jsonl", "csv", "tsv"].contains(&s.format.as_str()) {
                return Err(at(format!(
                    "format {:?} is not jsonl, csv or tsv",
                    s.format
                )));
            }
            if !s.columns.is_empty() && s.format == "jsonl" {
                return Err(at(
                    "`columns` is for CSV and TSV files without a header".into()
                ));
            }
            if s.writer.is_some() && s.writer_column.is_some() {
                return Err(at("give at most one of `writer` and `writer_column`".into()));
            }
            if s.language.is_some() && s.language_column.is_some() {
                return Err(at(
                    "give at most one of `language` and `language_column`".into()
                ));
            }
            if s.text.is_empty() {
                return Err(at("`text` names no column".into()));
            }
            if s.label.is_some() == s.label_column.is_some() {
                return Err(at("give exactly one of `label` and `label_column`".into()));
            }
            for re in &s.filters.strip {
                regex::Regex::new(re).map_err(|e| at(format!("strip regex {re:?}: {e}")))?;
            }
            for r in &s.rules {
                if let Some(re) = &r.text_matches {
                    regex::RegexBuilder::new(re)
                        .case_insensitive(true)
                        .build()
                        .map_err(|e| at(format!("rule regex {re:?}: {e}")))?;
                }
                if !r.equals.is_empty() && r.column.is_none() {
                    return Err(at("a rule with `equals` needs a `column`".into()));
                }
            }
        }
        Ok(())
    }

    /// The file a source reads, with `{corpora}` resolved against `corpora` (or the
    /// recipe's own setting, relative to `base`).
    pub fn resolve(&self, source: &SourceSpec, base: &Path, corpora: Option<&Path>) -> PathBuf {
        if let Some(rest) = source.path.strip_prefix("{corpora}/") {
            match corpora {
                Some(c) => c.join(rest),
                None => base.join(&self.corpora).join(rest),
            }
        } else {
            base.join(&source.path)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
name = "t"
[[sources]]
name = "a"
path = "a.jsonl"
format = "jsonl"
label_column = "label"
"#;

    #[test]
    fn parses_and_resolves_paths() {
        let r = Recipe::from_toml(MINIMAL).unwrap();
        assert_eq!(r.splits, SplitFractions::default());
        assert!(r.sources[0].filters.dedupe);
        let mut s = r.sources[0].clone();
        assert_eq!(
            r.resolve(&s, Path::new("/d"), None),
            Path::new("/d/a.jsonl")
        );
        s.path = "{corpora}/x/y.csv".into();
        assert_eq!(
            r.resolve(&s, Path::new("/d"), Some(Path::new("/c"))),
            Path::new("/c/x/y.csv")
        );
        assert_eq!(
            r.resolve(&s, Path::new("/d"), None),
            Path::new("/d/../../shared/corpora/x/y.csv")
        );
    }

    #[test]
    fn rejects_bad_recipes_with_the_source_named() {
        let bad = MINIMAL.replace("label_column = \"label\"", "");
        assert!(Recipe::from_toml(&bad)
            .unwrap_err()
            .to_string()
            .contains("exactly one"));
        let bad = MINIMAL.replace("jsonl\"\nlabel", "xml\"\nlabel");
        assert!(Recipe::from_toml(&bad)
            .unwrap_err()
            .to_string()
            .contains("\"a\""));
        let bad = format!("{MINIMAL}[[sources.rules]]\ntext_matches = \"(\"\nlabel = \"x\"\n");
        assert!(Recipe::from_toml(&bad)
            .unwrap_err()
            .to_string()
            .contains("regex"));
        let bad = MINIMAL.replace(
            "name = \"t\"",
            "name = \"t\"\nsplits = { validation = 0.6, test = 0.5 }",
        );
        assert!(Recipe::from_toml(&bad)
            .unwrap_err()
            .to_string()
            .contains("splits"));
        assert!(Recipe::from_toml("name = 1").is_err());
    }
}
