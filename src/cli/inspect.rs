//! `redflag inspect`: a model's metadata and checksum, without scoring.

use std::io::Write;

use anyhow::Context;

use super::args::InspectArgs;
use super::EXIT_OK;

pub fn run(args: InspectArgs) -> anyhow::Result<u8> {
    let owned;
    let (name, bytes): (String, &[u8]) = match &args.model {
        Some(p) => {
            owned = std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?;
            (p.display().to_string(), &owned)
        }
        None => (
            "<embedded default model>".into(),
            redflag::bundle::DEFAULT_MODEL,
        ),
    };
    let checksum =
        redflag::bundle::checksum(bytes).with_context(|| format!("cannot use model {name}"))?;
    let header =
        redflag::bundle::read_header(bytes).with_context(|| format!("cannot use model {name}"))?;
    let out = serde_json::json!({
        "model": name,
        "bytes": bytes.len(),
        "format_version": redflag::bundle::FORMAT_VERSION,
        "sha256": checksum,
        "header": header,
    });
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut stdout, &out)?;
    writeln!(stdout)?;
    Ok(EXIT_OK)
}
