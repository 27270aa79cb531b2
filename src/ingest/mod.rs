//! Parsers for outside formats. Every failure is one [`InputError`] that
//! names the file, the JSON path and what was expected.

pub mod azure;
pub mod batch;
pub mod merge;
pub mod snapshot;

use crate::domain::objects::{self, Kind};
use crate::domain::time::Time;
use batch::{Format, Placement};
use merge::FileBatch;
use std::collections::BTreeSet;
use std::fmt;

/// Bad input: which file, where in it, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub file: String,
    /// A JSON path such as `$.deployments[2].sizes[0].ptu`, when known.
    pub path: Option<String>,
    pub message: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match &self.path {
            Some(p) => write!(f, "{}: {}: {}", self.file, p, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for InputError {}

/// The largest input file accepted (a sane estate is far smaller).
pub const MAX_INPUT_BYTES: u64 = 256 * 1024 * 1024;

/// Reads a whole input file, refusing ones too large to be sane.
pub fn read_input(path: &std::path::Path) -> Result<Vec<u8>, InputError> {
    let name = path.display().to_string();
    let err = |message: String| InputError {
        file: name.clone(),
        path: None,
        message,
    };
    let meta = std::fs::metadata(path).map_err(|e| err(format!("cannot read: {e}")))?;
    if meta.is_dir() {
        return Err(err("expected a file, got a directory".into()));
    }
    if meta.len() > MAX_INPUT_BYTES {
        return Err(err(format!(
            "file is {} MiB; expected at most {} MiB",
            meta.len() / (1024 * 1024),
            MAX_INPUT_BYTES / (1024 * 1024)
        )));
    }
    // What is read is capped, not what metadata says: a device or a pipe
    // (`/dev/zero`) has no size.
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| err(format!("cannot read: {e}")))?;
    let mut bytes = Vec::with_capacity(meta.len().min(MAX_INPUT_BYTES) as usize);
    file.take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| err(format!("cannot read: {e}")))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(err(format!(
            "the file holds more than {} MiB; expected at most that",
            MAX_INPUT_BYTES / (1024 * 1024)
        )));
    }
    Ok(bytes)
}

/// The UTF-8 text of an input file's bytes. A UTF-8 byte-order mark is
/// dropped; UTF-16 with a byte-order mark (what Windows PowerShell's
/// `az ... > file.json` writes) is decoded; anything else that is not UTF-8
/// (UTF-32, UTF-16 without a mark) is refused with a message naming the
/// encoding. Plain UTF-8 is borrowed, not copied.
pub fn decode<'a>(file: &str, bytes: &'a [u8]) -> Result<std::borrow::Cow<'a, [u8]>, InputError> {
    use std::borrow::Cow;
    let err = |message: String| InputError {
        file: file.to_string(),
        path: None,
        message,
    };
    let utf16 = |rest: &[u8], little: bool, name: &str| -> Result<Cow<'a, [u8]>, InputError> {
        if !rest.len().is_multiple_of(2) {
            return Err(err(format!(
                "the file is {name} (it starts with that byte-order mark) but has an odd number of bytes (truncated?)"
            )));
        }
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| {
                if little {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16(&units)
            .map(|s| Cow::Owned(s.into_bytes()))
            .map_err(|_| {
                err(format!(
                    "the file is {name} (it starts with that byte-order mark) but holds invalid {name}; expected UTF-8 or valid UTF-16"
                ))
            })
    };
    match bytes {
        [0xFF, 0xFE, 0, 0, ..] | [0, 0, 0xFE, 0xFF, ..] => Err(err(
            "the file is UTF-32; expected UTF-8 (or UTF-16 with a byte-order mark): re-save it as UTF-8".into(),
        )),
        [0xEF, 0xBB, 0xBF, rest @ ..] => Ok(Cow::Borrowed(rest)),
        [0xFF, 0xFE, rest @ ..] => utf16(rest, true, "UTF-16LE"),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, false, "UTF-16BE"),
        // JSON starts with an ASCII character; a zero byte beside it is UTF-16 without a mark.
        [a, 0, ..] | [0, a, ..] if *a != 0 => Err(err(
            "the file looks like UTF-16 without a byte-order mark; expected UTF-8 (or UTF-16 with a byte-order mark): re-save it as UTF-8".into(),
        )),
        _ => Ok(Cow::Borrowed(bytes)),
    }
}

/// Parses one file into a batch (format from `--format` or its shape).
pub fn parse_file(
    path: &std::path::Path,
    format: Option<Format>,
    placement: &Placement,
    now: Time,
) -> Result<FileBatch, InputError> {
    let bytes = read_input(path)?;
    let file = path.display().to_string();
    let format = match format {
        Some(f) => f,
        None => match azure::detect_or_empty(&file, &bytes)? {
            Some(f) => f,
            // An empty list (`[]`, `{"value": []}`) holds nothing to import.
            None => {
                return Ok(FileBatch {
                    file,
                    batch: Default::default(),
                });
            }
        },
    };
    let batch = match format {
        Format::Snapshot => batch::Batch {
            snapshot: Some(snapshot::parse_part(&file, &bytes)?),
            ..Default::default()
        },
        other => azure::parse(&file, &bytes, other, placement, now)?,
    };
    Ok(FileBatch { file, batch })
}

/// The objects the batches mention, by kind and key.
pub fn mentioned(batches: &[FileBatch]) -> BTreeSet<(Kind, String)> {
    let mut m = BTreeSet::new();
    for fb in batches {
        let b = &fb.batch;
        if let Some(s) = &b.snapshot {
            m.extend(
                objects::objects(s)
                    .into_keys()
                    .filter(|k| k.0 != Kind::Setting),
            );
        }
        m.extend(b.resources.iter().map(|r| (Kind::Resource, r.id.clone())));
        m.extend(
            b.deployments
                .iter()
                .map(|d| (Kind::Deployment, d.id.clone())),
        );
        m.extend(
            b.commitments
                .iter()
                .map(|c| (Kind::Commitment, c.id.clone())),
        );
        m.extend(
            b.shared_plans
                .iter()
                .map(|c| (Kind::Commitment, c.id.clone())),
        );
        m.extend(
            b.reservations
                .iter()
                .map(|r| (Kind::Reservation, r.id.clone())),
        );
        m.extend(
            b.quotas
                .iter()
                .map(|q| (Kind::Quota, objects::quota_key(q))),
        );
        m.extend(
            b.prices
                .iter()
                .map(|p| (Kind::Price, objects::price_key(&p.region, p.sku))),
        );
        m.extend(
            b.model_capacities
                .iter()
                .map(|c| (Kind::ModelCapacity, c.key())),
        );
        m.extend(
            b.billing_accounts
                .iter()
                .map(|x| (Kind::BillingAccount, x.id.clone())),
        );
        m.extend(
            b.management_groups
                .iter()
                .map(|x| (Kind::ManagementGroup, x.id.clone())),
        );
    }
    m
}
