//! `redflag inspect`: a model's metadata and checksum, without scoring.

use std::io::Write;

use anyhow::Context;

use super::args::InspectArgs;
use super::EXIT_OK;

pub fn run(args: InspectArgs) -> anyhow::Result<u8> {
    let (name, bytes) = super::model_bytes(args.model.as_deref())?;
    let bytes: &[u8] = &bytes;
    // `read_header` verifies the payload's checksum once; the stored one is then read as is.
    let header =
        redflag::bundle::read_header(bytes).with_context(|| format!("cannot use model {name}"))?;
    let checksum = redflag::bundle::stored_checksum(bytes)?;
    let out = serde_json::json!({
        "model": name,
        "bytes": bytes.len(),
        "format_version": redflag::bundle::format_version(bytes)?,
        "sha256": checksum,
        "file_sha256": redflag::bundle::file_checksum(bytes),
        "header": header,
    });
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut stdout, &out)?;
    writeln!(stdout)?;
    Ok(EXIT_OK)
}
