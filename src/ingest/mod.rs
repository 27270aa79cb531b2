//! Parsers for outside formats. Every failure is one [`InputError`] that
//! names the file, the JSON path and what was expected.

pub mod azure;
pub mod batch;
pub mod merge;
pub mod snapshot;

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
    std::fs::read(path).map_err(|e| err(format!("cannot read: {e}")))
}
