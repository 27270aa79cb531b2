//! Settings: a TOML file in the platform's config folder
//! (`~/.config/ptudesk/config.toml` on Linux, or `PTUDESK_CONFIG`) over
//! the defaults embedded from `assets/config.toml`. Every setting left out
//! keeps its default; an unknown setting is an error naming it.

use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The defaults, as shipped.
pub const DEFAULT_TOML: &str = include_str!("../assets/config.toml");

/// Why a settings file was not taken: every message starts with the file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{file}: cannot read: {source}")]
    Read {
        file: String,
        source: std::io::Error,
    },
    /// Not TOML, or not the settings' shape (an unknown setting, a wrong
    /// type): the parser's message.
    #[error("{file}: {message}")]
    Syntax { file: String, message: String },
    #[error("{file}: {invalid}")]
    Invalid { file: String, invalid: Invalid },
}

/// A setting whose value is refused: `alerts.unused_threshold_pct:
/// expected a percentage from 1 to 100, got 180`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{setting}: {why}")]
pub struct Invalid {
    /// The setting (`smtp.port`), or its section when the rule joins
    /// several (`smtp`, `alerts`).
    pub setting: String,
    pub why: String,
}

fn invalid(setting: impl Into<String>, why: impl Into<String>) -> Invalid {
    Invalid {
        setting: setting.into(),
        why: why.into(),
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub alerts: crate::alerts::Settings,
    #[serde(default)]
    pub rating: Rating,
    #[serde(default)]
    pub sync: Sync,
    /// The mail server of `check --notify email:...` (none: email is off).
    #[serde(default)]
    pub smtp: Option<Smtp>,
    /// The terminal app's key bindings: action name -> keys.
    #[serde(default)]
    pub keys: BTreeMap<String, Vec<String>>,
    /// The terminal app's colours: role -> colour.
    #[serde(default)]
    pub colors: BTreeMap<String, String>,
    /// The file the settings came from (None: the defaults), for messages.
    #[serde(skip)]
    pub file: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Rating {
    #[serde(with = "crate::domain::money::serde_money")]
    pub early_termination_fee_pct: Decimal,
}

impl Default for Rating {
    fn default() -> Self {
        Rating {
            early_termination_fee_pct: Decimal::ZERO,
        }
    }
}

/// How `ptudesk sync` and the terminal app's `:sync` run az.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Sync {
    /// The time limit of each az command: `"60s"`, `"5m"`, or a number of
    /// seconds. `ptudesk sync --timeout` overrides it.
    #[serde(deserialize_with = "timeout")]
    pub timeout: std::time::Duration,
}

impl Default for Sync {
    fn default() -> Self {
        Sync {
            timeout: crate::sync::DEFAULT_TIMEOUT,
        }
    }
}

/// How the connection to the mail server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (required, never skipped).
    Starttls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
    /// No encryption: a relay on the same host or a trusted network only.
    None,
}

/// The mail server `check --notify email:ADDRESS` sends through. The
/// password is never in the file: `password_env` names the environment
/// variable that holds it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Smtp {
    pub host: String,
    /// Default: 587 with STARTTLS, 465 with TLS, 25 with none.
    pub port: Option<u16>,
    #[serde(default = "starttls")]
    pub security: SmtpSecurity,
    /// The sender, `alerts@example.com` or `ptudesk <alerts@example.com>`.
    pub from: String,
    /// The login, when the server wants one (with `password_env`).
    pub user: Option<String>,
    /// The environment variable holding the password.
    pub password_env: Option<String>,
    /// Refused with a message: passwords are not kept in the file.
    #[serde(default)]
    password: Option<toml::Value>,
}

fn starttls() -> SmtpSecurity {
    SmtpSecurity::Starttls
}

impl Smtp {
    /// The port: the one set, else the usual one for the security.
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.security {
            SmtpSecurity::Starttls => 587,
            SmtpSecurity::Tls => 465,
            SmtpSecurity::None => 25,
        })
    }

    fn check(&self) -> Result<(), Invalid> {
        if self.password.is_some() {
            return Err(invalid(
                "smtp.password",
                "the password is not kept in the settings file; put it in an environment variable and name that variable in smtp.password_env",
            ));
        }
        if self.host.trim().is_empty() {
            return Err(invalid("smtp.host", "expected the mail server's host name"));
        }
        if self.port == Some(0) {
            return Err(invalid("smtp.port", "expected a port from 1 to 65535"));
        }
        if self.from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(invalid(
                "smtp.from",
                format!(
                    "expected an address such as \"alerts@example.com\" or \"ptudesk <alerts@example.com>\", got {:?}",
                    self.from
                ),
            ));
        }
        match (&self.user, &self.password_env) {
            (Some(_), None) | (None, Some(_)) => Err(invalid(
                "smtp",
                "user and password_env go together (a login needs both; leave both out for a server without one)",
            )),
            (_, Some(v)) if v.is_empty() || v.contains('=') || v.contains('\0') => Err(invalid(
                "smtp.password_env",
                format!("expected the name of an environment variable, got {v:?}"),
            )),
            _ => Ok(()),
        }
    }
}

/// A time limit written as `--timeout` takes it, or as whole seconds.
fn timeout<'de, D: serde::Deserializer<'de>>(d: D) -> Result<std::time::Duration, D::Error> {
    let fail = |m: String| serde::de::Error::custom(format!("sync.timeout: {m}"));
    match toml::Value::deserialize(d)? {
        toml::Value::Integer(n) if n > 0 => Ok(std::time::Duration::from_secs(n as u64)),
        toml::Value::String(t) => crate::sync::parse_timeout(&t).map_err(|e| fail(e.to_string())),
        other => Err(fail(format!(
            "expected a duration such as \"60s\" or \"5m\", or a number of seconds above zero, got {other}"
        ))),
    }
}

impl Default for Config {
    fn default() -> Self {
        toml::from_str(DEFAULT_TOML).expect("assets/config.toml is valid")
    }
}

impl Config {
    /// The options the settings give (`[sync] timeout`): what `ptudesk
    /// sync` uses without `--timeout`, and the terminal app's `:sync`.
    pub fn sync_options(&self) -> crate::sync::Options {
        crate::sync::Options {
            timeout: self.sync.timeout,
            ..crate::sync::Options::default()
        }
    }

    /// The rating options these settings give.
    pub fn rating_options(&self) -> crate::rating::Options {
        crate::rating::Options {
            early_termination_fee_pct: self.rating.early_termination_fee_pct,
        }
    }

    /// Parses a settings file's text over the defaults.
    pub fn parse(file: &str, text: &str) -> Result<Config, ConfigError> {
        let syntax = |message: String| ConfigError::Syntax {
            file: file.to_string(),
            message,
        };
        let mut base: toml::Table = toml::from_str(DEFAULT_TOML).expect("defaults parse");
        let user: toml::Table = toml::from_str(text).map_err(|e| syntax(e.to_string()))?;
        for (section, value) in user {
            match (base.get_mut(&section), value) {
                (Some(toml::Value::Table(b)), toml::Value::Table(u)) => {
                    for (k, v) in u {
                        b.insert(k, v);
                    }
                }
                (_, v) => {
                    base.insert(section, v);
                }
            }
        }
        let config: Config = toml::Value::Table(base)
            .try_into()
            .map_err(|e: toml::de::Error| syntax(e.message().to_string()))?;
        config.check().map_err(|invalid| ConfigError::Invalid {
            file: file.to_string(),
            invalid,
        })?;
        Ok(Config {
            file: Some(PathBuf::from(file)),
            ..config
        })
    }

    fn check(&self) -> Result<(), Invalid> {
        let a = &self.alerts;
        if a.expiry_lead_days.is_empty() || a.expiry_lead_days.contains(&0) {
            return Err(invalid(
                "alerts.expiry_lead_days",
                "expected a list of positive days such as [30, 14, 7, 1]",
            ));
        }
        for (name, v) in [
            ("unused_threshold_pct", a.unused_threshold_pct),
            ("quota_threshold_pct", a.quota_threshold_pct),
        ] {
            if v == 0 || v > 100 {
                return Err(invalid(
                    format!("alerts.{name}"),
                    format!("expected a percentage from 1 to 100, got {v}"),
                ));
            }
        }
        if a.unused_window_days == 0 || a.horizon_days == 0 {
            return Err(invalid(
                "alerts",
                "unused_window_days and horizon_days must be at least 1",
            ));
        }
        if let Some(smtp) = &self.smtp {
            smtp.check()?;
        }
        let fee = self.rating.early_termination_fee_pct;
        if fee.is_sign_negative() || fee > Decimal::from(100) {
            return Err(invalid(
                "rating.early_termination_fee_pct",
                format!("expected 0 to 100, got {fee}"),
            ));
        }
        Ok(())
    }

    /// The settings file's path: `PTUDESK_CONFIG`, else config.toml in the
    /// platform's config folder.
    pub fn path() -> Option<PathBuf> {
        if let Some(p) = std::env::var_os("PTUDESK_CONFIG") {
            return Some(PathBuf::from(p));
        }
        directories::ProjectDirs::from("", "", "ptudesk")
            .map(|d| d.config_dir().join("config.toml"))
    }

    /// Loads the settings: the file if there is one, else the defaults.
    pub fn load() -> Result<Config, ConfigError> {
        match Self::path() {
            Some(p) if p.exists() => Self::load_from(&p),
            _ => Ok(Config::default()),
        }
    }

    pub fn load_from(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            file: path.display().to_string(),
            source,
        })?;
        Self::parse(&path.display().to_string(), &text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let d = Config::default();
        assert_eq!(d.alerts.expiry_lead_days, vec![30, 14, 7, 1]);
        assert_eq!(d.alerts.quota_threshold_pct, 90);
        let c = Config::parse(
            "c.toml",
            "[alerts]\nquota_threshold_pct = 80\n[keys]\nquit = [\"x\"]\n",
        )
        .unwrap();
        assert_eq!(c.alerts.quota_threshold_pct, 80);
        assert_eq!(c.alerts.critical_days, 7, "left out keeps the default");
        assert_eq!(c.keys["quit"], vec!["x".to_string()]);
        let err = Config::parse("c.toml", "[alerts]\nquota_treshold_pct = 80\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("quota_treshold_pct"), "{err}");
        let err = Config::parse("c.toml", "[alerts]\nquota_threshold_pct = 180\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("percentage"), "{err}");
        let err = Config::parse("c.toml", "[alerts\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("c.toml"), "{err}");
        let c = Config::parse("c.toml", "[rating]\nearly_termination_fee_pct = \"12\"\n").unwrap();
        assert_eq!(
            c.rating_options().early_termination_fee_pct,
            Decimal::from(12)
        );
    }

    #[test]
    fn the_mail_server_is_read_with_its_password_left_to_the_environment() {
        assert_eq!(Config::default().smtp, None, "email is off by default");
        let c = Config::parse(
            "c.toml",
            "[smtp]\nhost = \"mail.example.com\"\nfrom = \"ptudesk <a@example.com>\"\nuser = \"u\"\npassword_env = \"MAIL_PW\"\n",
        )
        .unwrap();
        let smtp = c.smtp.unwrap();
        assert_eq!(smtp.security, SmtpSecurity::Starttls);
        assert_eq!(smtp.port(), 587);
        assert_eq!(smtp.password_env.as_deref(), Some("MAIL_PW"));
        let c = Config::parse(
            "c.toml",
            "[smtp]\nhost = \"h\"\nfrom = \"a@example.com\"\nsecurity = \"tls\"\n",
        )
        .unwrap();
        assert_eq!(c.smtp.unwrap().port(), 465);
        for (bad, says) in [
            (
                "password = \"x\"\nuser = \"u\"",
                "smtp.password: the password is not kept",
            ),
            ("user = \"u\"", "user and password_env go together"),
            (
                "password_env = \"A=B\"\nuser = \"u\"",
                "smtp.password_env: expected the name",
            ),
            ("security = \"ssl\"", "unknown variant"),
            ("port = 0", "smtp.port"),
            ("hots = \"x\"", "hots"),
        ] {
            let text = format!("[smtp]\nhost = \"h\"\nfrom = \"a@example.com\"\n{bad}\n");
            let err = Config::parse("c.toml", &text).unwrap_err().to_string();
            assert!(
                err.starts_with("c.toml: ") && err.contains(says),
                "{bad}: {err}"
            );
        }
        let err = Config::parse("c.toml", "[smtp]\nhost = \"h\"\nfrom = \"nobody\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("smtp.from"), "{err}");
    }

    #[test]
    fn the_sync_time_limit_reads_durations_and_seconds() {
        use std::time::Duration;
        assert_eq!(Config::default().sync.timeout, Duration::from_secs(60));
        assert_eq!(
            Config::default().sync_options().timeout,
            Duration::from_secs(60)
        );
        let c = Config::parse("c.toml", "[sync]\ntimeout = \"5m\"\n").unwrap();
        assert_eq!(c.sync.timeout, Duration::from_secs(300));
        assert_eq!(c.sync_options().timeout, Duration::from_secs(300));
        let c = Config::parse("c.toml", "[sync]\ntimeout = 7\n").unwrap();
        assert_eq!(c.sync.timeout, Duration::from_secs(7));
        for bad in ["\"0s\"", "0", "\"soon\"", "-3", "true"] {
            let err = Config::parse("c.toml", &format!("[sync]\ntimeout = {bad}\n"))
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with("c.toml: sync.timeout: expected"),
                "{bad}: {err}"
            );
        }
        let err = Config::parse("c.toml", "[sync]\ntimeout_secs = 7\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("timeout_secs"), "{err}");
    }
}
