//! Running the az CLI: one command at a time, with a time limit, its
//! output read whole. ptudesk makes no network calls of its own: az does,
//! with the user's own `az login`.

use std::ffi::OsString;
use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Why an az command gave no usable answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AzError {
    /// `az` could not be started: not installed, or not on PATH.
    NotInstalled,
    /// Starting `az` failed for another reason.
    Spawn { message: String },
    /// az says to run `az login`.
    NotLoggedIn { command: String, message: String },
    /// Azure refused: the signed-in identity may not read this.
    Denied { command: String, message: String },
    /// No answer within the time limit; the command was killed.
    Timeout { command: String, limit: Duration },
    /// az failed for another reason.
    Failed {
        command: String,
        code: Option<i32>,
        message: String,
    },
}

/// What a successful az command printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AzOutput {
    pub stdout: Vec<u8>,
    pub stderr: String,
}

/// The az CLI, as ptudesk runs it.
#[derive(Debug, Clone)]
pub struct Az {
    pub program: OsString,
    pub timeout: Duration,
}

/// The program name of the Azure CLI on this platform.
pub fn default_program() -> OsString {
    if cfg!(windows) {
        "az.cmd".into()
    } else {
        "az".into()
    }
}

/// A command line as a user would type it (arguments with spaces or shell
/// characters quoted).
pub fn display(args: &[String]) -> String {
    let mut s = String::from("az");
    for a in args {
        s.push(' ');
        let plain = !a.is_empty()
            && a.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./:=,@+%".contains(c));
        if plain {
            s.push_str(a);
        } else {
            s.push('\'');
            s.push_str(&a.replace('\'', r"'\''"));
            s.push('\'');
        }
    }
    s
}

/// The first lines of what az wrote on stderr, without its `ERROR:` prefix.
fn gist(stderr: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(3)
        .collect();
    let text = lines.join(" ");
    let text = text
        .strip_prefix("ERROR:")
        .unwrap_or(&text)
        .trim()
        .to_string();
    if text.chars().count() > 400 {
        format!("{}...", text.chars().take(397).collect::<String>())
    } else if text.is_empty() {
        "no message".into()
    } else {
        text
    }
}

/// True when az's message says the identity may not read something.
pub fn is_denied(stderr: &str) -> bool {
    let s = stderr.to_ascii_lowercase();
    s.contains("authorizationfailed")
        || s.contains("does not have authorization")
        || s.contains("linkedauthorizationfailed")
        // `az rest` reports an HTTP 403 as Forbidden(BODY).
        || s.contains("forbidden(")
}

/// True when az's message asks for `az login`.
pub fn asks_for_login(stderr: &str) -> bool {
    stderr.to_ascii_lowercase().contains("az login")
}

/// Classifies a failed command from its exit code and stderr.
pub fn classify(command: String, code: Option<i32>, stderr: &str) -> AzError {
    let message = gist(stderr);
    if is_denied(stderr) {
        AzError::Denied { command, message }
    } else if asks_for_login(stderr) {
        AzError::NotLoggedIn { command, message }
    } else {
        AzError::Failed {
            command,
            code,
            message,
        }
    }
}

fn reader(mut from: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = from.read_to_end(&mut buf);
        buf
    })
}

/// Kills the command and everything it started (az is a wrapper script
/// around Python: killing the wrapper alone leaves Python running).
fn kill_all(child: &mut Child) {
    #[cfg(unix)]
    {
        let group = format!("-{}", child.id());
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--", &group])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    let _ = child.kill();
    let _ = child.wait();
}

impl Az {
    /// Runs `az ARGS...`: its stdout on success (exit 0), else why not.
    pub fn run(&self, args: &[String]) -> Result<AzOutput, AzError> {
        let command = display(args);
        let mut cmd = Command::new(&self.program);
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Plain text messages: no colours, no interactive prompts.
            .env("AZURE_CORE_NO_COLOR", "1")
            .env("AZURE_CORE_DISABLE_PROGRESS_BAR", "1");
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            // Its own process group, so that a time-out kills all of it.
            cmd.process_group(0);
        }
        let mut child = cmd.spawn().map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => AzError::NotInstalled,
            _ => AzError::Spawn {
                message: format!("cannot run {}: {e}", self.program.to_string_lossy()),
            },
        })?;
        let out = reader(child.stdout.take().expect("piped"));
        let err = reader(child.stderr.take().expect("piped"));
        let deadline = Instant::now() + self.timeout;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() >= deadline => {
                    kill_all(&mut child);
                    // The readers finish once the pipes close; they are not
                    // waited for (a stray grandchild could hold them open).
                    return Err(AzError::Timeout {
                        command,
                        limit: self.timeout,
                    });
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(e) => {
                    kill_all(&mut child);
                    return Err(AzError::Spawn {
                        message: format!("lost track of `{command}`: {e}"),
                    });
                }
            }
        };
        let stdout = out.join().unwrap_or_default();
        let stderr = String::from_utf8_lossy(&err.join().unwrap_or_default()).into_owned();
        if status.success() {
            Ok(AzOutput { stdout, stderr })
        } else {
            Err(classify(command, status.code(), &stderr))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_lines_are_shown_as_typed() {
        let args: Vec<String> = ["rest", "--url", "/a?b=1&c", "--x", "it's"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(display(&args), r"az rest --url '/a?b=1&c' --x 'it'\''s'");
    }

    #[test]
    fn failures_are_told_apart() {
        let denied = "ERROR: (AuthorizationFailed) The client 'x' with object id 'y' does not have authorization to perform action 'a' over scope '/subscriptions/s'";
        assert!(matches!(
            classify("az x".into(), Some(1), denied),
            AzError::Denied { .. }
        ));
        let forbidden = r#"ERROR: Forbidden({"error":{"code":"Forbidden","message":"no access"}})"#;
        assert!(matches!(
            classify("az rest".into(), Some(1), forbidden),
            AzError::Denied { .. }
        ));
        let login = "ERROR: Please run 'az login' to setup account.";
        match classify("az x".into(), Some(1), login) {
            AzError::NotLoggedIn { message, .. } => {
                assert_eq!(message, "Please run 'az login' to setup account.")
            }
            other => panic!("{other:?}"),
        }
        match classify("az x".into(), Some(2), "\nERROR: (Boom) it broke\n") {
            AzError::Failed { code, message, .. } => {
                assert_eq!((code, message.as_str()), (Some(2), "(Boom) it broke"))
            }
            other => panic!("{other:?}"),
        }
    }
}
