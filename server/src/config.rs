//! Settings from environment variables (and an optional `.env` file), each with a safe
//! default for the embedded run. An invalid value stops start-up with one line that names
//! the variable and says what is wrong; values are never echoed, as URLs may hold passwords.
use lettre::message::Mailbox;
use lettre::Address;
use secrecy::SecretString;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use url::Url;

#[derive(Debug, thiserror::Error)]
#[error("{variable}: {problem}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

fn invalid(variable: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        variable,
        problem: problem.into(),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain connection: only for a relay on the same host or a test server.
    None,
    /// STARTTLS, and refuse to send if the server does not offer it.
    StartTls,
    /// STARTTLS when offered, plain otherwise.
    Opportunistic,
    /// TLS from the first byte (`smtps://`, usually port 465).
    Implicit,
}

#[derive(Clone, Debug)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<SecretString>,
}

#[derive(Clone, Debug)]
pub struct MailSettings {
    /// `None`: write each message as an `.eml` file under `<data dir>/mail` instead.
    pub smtp: Option<SmtpSettings>,
    pub from: Mailbox,
    pub team_email: Option<Address>,
    pub max_attempts: u32,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    pub poll_interval: Duration,
    pub send_timeout: Duration,
    /// Messages sent at once by each instance's worker.
    pub concurrency: usize,
}

#[derive(Clone, Debug)]
pub struct Settings {
    pub database_url: SecretString,
    pub data_dir: PathBuf,
    pub listen_addr: SocketAddr,
    pub public_url: Url,
    pub centre_phone: String,
    pub demo: bool,
    pub log_format: LogFormat,
    pub site_root: PathBuf,
    pub request_timeout: Duration,
    pub max_body_bytes: usize,
    /// A rule-set file maintained by the centre, replacing the embedded default.
    pub rules_file: Option<PathBuf>,
    pub mail: MailSettings,
    pub accounts: AccountSettings,
    pub escalation: EscalationSettings,
    /// How often each instance looks for referral changes made by the others, for the
    /// live queue.
    pub queue_poll_interval: Duration,
    pub metrics: MetricsSettings,
    /// Unsent drafts are deleted this many days after their last change
    /// (`ECMO_RETENTION_DRAFT_DAYS`); kept when unset.
    pub retention_draft_days: Option<u32>,
    /// Scheduled backups of a SQLite database (`ECMO_BACKUP_DIR`); none when unset.
    pub backups: Option<BackupSchedule>,
}

/// Where and how often the server copies its SQLite database, and how many copies it keeps.
#[derive(Clone, Debug)]
pub struct BackupSchedule {
    pub dir: PathBuf,
    pub every: Duration,
    pub keep: usize,
}

/// Who may read `/metrics`: clients from these addresses (`ECMO_METRICS_ALLOW`, loopback by
/// default; behind trusted proxies, the client's address they forward), or anyone with
/// the bearer token (`ECMO_METRICS_TOKEN`, none by default).
#[derive(Clone, Debug)]
pub struct MetricsSettings {
    pub allow: Vec<ipnet::IpNet>,
    pub token: Option<SecretString>,
}

/// When an unacknowledged referral is escalated, and how often that is looked for.
#[derive(Clone, Debug)]
pub struct EscalationSettings {
    pub timeouts: ecmo_referral_app::domain::roster::AckTimeouts,
    pub poll_interval: Duration,
}

/// Sessions and sign-in throttling.
#[derive(Clone, Debug)]
pub struct AccountSettings {
    /// A session unused this long ends.
    pub session_idle: Duration,
    /// A session ends this long after sign-in, however active.
    pub session_absolute: Duration,
    /// Consecutive failed sign-ins that lock an account, and for how long.
    pub login_max_failures: u32,
    pub login_lockout: Duration,
    /// Sign-in, registration and reset attempts per client address: a burst, refilled at
    /// one attempt per `address_refill`.
    pub address_burst: u32,
    pub address_refill: Duration,
    /// Take the client address from the last `X-Forwarded-For` entry (behind a proxy).
    /// Reverse proxies whose `X-Forwarded-For` is believed (`ECMO_TRUSTED_PROXIES`).
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

/// The number shown in demonstration mode when none is configured; it is marked as such.
const DEMO_CENTRE_PHONE: &str = "+386 1 000 0000 (demo)";

impl Settings {
    /// Whether cookies carry `Secure`: when the site is served over https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.scheme() == "https"
    }

    /// Reads `.env` when present, then the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        let _ = dotenvy::dotenv();
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Builds settings from any source of variables; empty values count as unset.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |name: &str| {
            get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };

        let demo = parse_bool("ECMO_DEMO", var("ECMO_DEMO"))?.unwrap_or(false);
        let (data_dir, database_url) = database(&var)?;
        let is_sqlite = database_url.starts_with("sqlite:");

        let listen_addr: SocketAddr = var("ECMO_LISTEN_ADDR")
            .unwrap_or_else(|| "127.0.0.1:3000".into())
            .parse()
            .map_err(|_| {
                invalid(
                    "ECMO_LISTEN_ADDR",
                    "must be an address and port, e.g. 127.0.0.1:3000 or 0.0.0.0:8080",
                )
            })?;

        let public_url = match var("ECMO_PUBLIC_URL") {
            Some(raw) => {
                let url = Url::parse(&raw).map_err(|_| {
                    invalid(
                        "ECMO_PUBLIC_URL",
                        "must be an absolute URL, e.g. https://ecmo.example.org",
                    )
                })?;
                if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
                    return Err(invalid(
                        "ECMO_PUBLIC_URL",
                        "must be an http:// or https:// URL with a host",
                    ));
                }
                url
            }
            None => {
                let port = listen_addr.port();
                Url::parse(&format!("http://127.0.0.1:{port}/")).expect("a loopback URL is valid")
            }
        };

        let centre_phone = match var("ECMO_CENTRE_PHONE") {
            Some(phone) => {
                let digits = phone.chars().filter(char::is_ascii_digit).count();
                let allowed = phone
                    .chars()
                    .all(|c| c.is_ascii_digit() || " +-()/".contains(c));
                if !allowed || !(6..=15).contains(&digits) {
                    return Err(invalid(
                        "ECMO_CENTRE_PHONE",
                        "must be a phone number of 6 to 15 digits, e.g. +386 1 522 0000",
                    ));
                }
                phone
            }
            None if demo => DEMO_CENTRE_PHONE.to_owned(),
            None => {
                return Err(invalid(
                    "ECMO_CENTRE_PHONE",
                    "is required: the centre's 24/7 phone number, shown on every page",
                ))
            }
        };

        let log_format = match var("ECMO_LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(_) => return Err(invalid("ECMO_LOG_FORMAT", "must be text or json")),
        };

        let host = public_url.host_str().unwrap_or("localhost").to_owned();
        let from = match var("ECMO_MAIL_FROM") {
            Some(raw) => raw.parse::<Mailbox>().map_err(|_| {
                invalid(
                    "ECMO_MAIL_FROM",
                    "must be an email address, e.g. ECMO Referral <ecmo@example.org>",
                )
            })?,
            None => format!("ECMO Referral <noreply@{}>", mail_domain(&host))
                .parse()
                .map_err(|_| {
                    invalid(
                        "ECMO_MAIL_FROM",
                        "is unset and no sender could be derived from ECMO_PUBLIC_URL; set it",
                    )
                })?,
        };
        let team_email = var("ECMO_TEAM_EMAIL")
            .map(|raw| raw.parse::<Address>())
            .transpose()
            .map_err(|_| {
                invalid(
                    "ECMO_TEAM_EMAIL",
                    "must be an email address, e.g. ecmo-team@example.org",
                )
            })?;
        let smtp = var("ECMO_SMTP_URL")
            .map(|raw| parse_smtp_url(&raw))
            .transpose()?;

        Ok(Self {
            database_url: SecretString::from(database_url),
            data_dir,
            listen_addr,
            public_url,
            centre_phone,
            demo,
            log_format,
            site_root: PathBuf::from(
                var("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".into()),
            ),
            request_timeout: Duration::from_secs(parse_num(
                "ECMO_REQUEST_TIMEOUT_SECS",
                var("ECMO_REQUEST_TIMEOUT_SECS"),
                30,
                1..=600,
            )?),
            rules_file: var("ECMO_RULES_FILE").map(PathBuf::from),
            max_body_bytes: parse_num(
                "ECMO_MAX_BODY_BYTES",
                var("ECMO_MAX_BODY_BYTES"),
                1_048_576,
                1024..=67_108_864,
            )? as usize,
            mail: MailSettings {
                smtp,
                from,
                team_email,
                max_attempts: parse_num(
                    "ECMO_MAIL_MAX_ATTEMPTS",
                    var("ECMO_MAIL_MAX_ATTEMPTS"),
                    10,
                    1..=100,
                )? as u32,
                backoff_base: Duration::from_millis(parse_num(
                    "ECMO_MAIL_BACKOFF_MS",
                    var("ECMO_MAIL_BACKOFF_MS"),
                    30_000,
                    10..=3_600_000,
                )?),
                backoff_max: Duration::from_secs(3600),
                poll_interval: Duration::from_millis(parse_num(
                    "ECMO_MAIL_POLL_MS",
                    var("ECMO_MAIL_POLL_MS"),
                    500,
                    10..=60_000,
                )?),
                send_timeout: Duration::from_secs(20),
                concurrency: parse_num(
                    "ECMO_MAIL_CONCURRENCY",
                    var("ECMO_MAIL_CONCURRENCY"),
                    8,
                    1..=64,
                )? as usize,
            },
            escalation: EscalationSettings {
                timeouts: ecmo_referral_app::domain::roster::AckTimeouts {
                    ecpr_min: parse_num("ECMO_ACK_MIN_ECPR", var("ECMO_ACK_MIN_ECPR"), 2, 1..=240)?
                        as u32,
                    va_severe_min: parse_num(
                        "ECMO_ACK_MIN_VA_SEVERE",
                        var("ECMO_ACK_MIN_VA_SEVERE"),
                        10,
                        1..=240,
                    )? as u32,
                    other_min: parse_num(
                        "ECMO_ACK_MIN_OTHER",
                        var("ECMO_ACK_MIN_OTHER"),
                        15,
                        1..=240,
                    )? as u32,
                    second_min: match var("ECMO_ESCALATION_SECOND_MIN") {
                        None => None,
                        raw => {
                            Some(parse_num("ECMO_ESCALATION_SECOND_MIN", raw, 15, 1..=240)? as u32)
                        }
                    },
                },
                poll_interval: Duration::from_millis(parse_num(
                    "ECMO_ESCALATION_POLL_MS",
                    var("ECMO_ESCALATION_POLL_MS"),
                    5_000,
                    10..=60_000,
                )?),
            },
            queue_poll_interval: Duration::from_millis(parse_num(
                "ECMO_QUEUE_POLL_MS",
                var("ECMO_QUEUE_POLL_MS"),
                1_000,
                10..=60_000,
            )?),
            retention_draft_days: match var("ECMO_RETENTION_DRAFT_DAYS") {
                None => None,
                raw => Some(parse_num("ECMO_RETENTION_DRAFT_DAYS", raw, 90, 1..=3650)? as u32),
            },
            backups: match var("ECMO_BACKUP_DIR") {
                None => None,
                Some(_) if !is_sqlite => {
                    return Err(invalid(
                        "ECMO_BACKUP_DIR",
                        "scheduled backups are for SQLite; back up PostgreSQL with pg_dump (see the README)",
                    ))
                }
                Some(dir) => Some(BackupSchedule {
                    dir: PathBuf::from(dir),
                    every: Duration::from_secs(
                        3600 * parse_num(
                            "ECMO_BACKUP_EVERY_HOURS",
                            var("ECMO_BACKUP_EVERY_HOURS"),
                            24,
                            1..=168,
                        )?,
                    ),
                    keep: parse_num("ECMO_BACKUP_KEEP", var("ECMO_BACKUP_KEEP"), 14, 1..=1000)?
                        as usize,
                }),
            },
            metrics: MetricsSettings {
                allow: parse_networks(
                    "ECMO_METRICS_ALLOW",
                    var("ECMO_METRICS_ALLOW").unwrap_or_else(|| "127.0.0.0/8,::1/128".into()),
                )?,
                token: match var("ECMO_METRICS_TOKEN") {
                    Some(token) if token.len() < 32 => {
                        return Err(invalid(
                            "ECMO_METRICS_TOKEN",
                            "use at least 32 random characters (e.g. `openssl rand -hex 32`)",
                        ))
                    }
                    token => token.map(SecretString::from),
                },
            },
            accounts: AccountSettings {
                session_idle: Duration::from_secs(
                    60 * parse_num(
                        "ECMO_SESSION_IDLE_MINUTES",
                        var("ECMO_SESSION_IDLE_MINUTES"),
                        120,
                        1..=1440,
                    )?,
                ),
                session_absolute: Duration::from_secs(
                    3600 * parse_num(
                        "ECMO_SESSION_ABSOLUTE_HOURS",
                        var("ECMO_SESSION_ABSOLUTE_HOURS"),
                        12,
                        1..=720,
                    )?,
                ),
                login_max_failures: parse_num(
                    "ECMO_LOGIN_MAX_FAILURES",
                    var("ECMO_LOGIN_MAX_FAILURES"),
                    10,
                    3..=100,
                )? as u32,
                login_lockout: Duration::from_secs(parse_num(
                    "ECMO_LOGIN_LOCKOUT_SECS",
                    var("ECMO_LOGIN_LOCKOUT_SECS"),
                    900,
                    1..=86_400,
                )?),
                address_burst: parse_num(
                    "ECMO_LOGIN_ADDRESS_BURST",
                    var("ECMO_LOGIN_ADDRESS_BURST"),
                    30,
                    1..=10_000,
                )? as u32,
                address_refill: Duration::from_secs(parse_num(
                    "ECMO_LOGIN_ADDRESS_REFILL_SECS",
                    var("ECMO_LOGIN_ADDRESS_REFILL_SECS"),
                    10,
                    1..=3600,
                )?),
                trusted_proxies: parse_proxies(
                    var("ECMO_TRUSTED_PROXIES"),
                    parse_bool("ECMO_TRUST_PROXY", var("ECMO_TRUST_PROXY"))?.unwrap_or(false),
                )?,
            },
        })
    }

    /// Only the database, for command-line tasks that do not serve pages.
    pub fn database_url_from_env() -> Result<SecretString, ConfigError> {
        let _ = dotenvy::dotenv();
        let var = |name: &str| {
            std::env::var(name)
                .ok()
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        database(&var).map(|(_, url)| SecretString::from(url))
    }

    /// The domain part of generated Message-IDs.
    pub fn message_id_domain(&self) -> String {
        mail_domain(self.public_url.host_str().unwrap_or("localhost"))
    }
}

/// The data folder and the database URL (default: a SQLite file in the data folder).
fn database(var: &dyn Fn(&str) -> Option<String>) -> Result<(PathBuf, String), ConfigError> {
    let data_dir = PathBuf::from(var("ECMO_DATA_DIR").unwrap_or_else(|| "./data".into()));
    let url = match var("ECMO_DATABASE_URL") {
        Some(url) => {
            if ecmo_referral_app::ssr::db::Backend::from_url(&url).is_none() {
                return Err(invalid(
                    "ECMO_DATABASE_URL",
                    "must start with sqlite:// (e.g. sqlite://data/ecmo.db) or postgres://user:password@host/database",
                ));
            }
            url
        }
        None => format!("sqlite://{}", data_dir.join("ecmo-referral.db").display()),
    };
    Ok((data_dir, url))
}

fn mail_domain(host: &str) -> String {
    // An address literal makes an awkward mail domain; fall back to a name.
    if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
        "localhost".to_owned()
    } else {
        host.to_owned()
    }
}

/// `ECMO_TRUSTED_PROXIES`: a comma-separated list of addresses or CIDR ranges. The older
/// `ECMO_TRUST_PROXY=1` means a proxy on the same host (loopback) when no list is given.
fn parse_proxies(raw: Option<String>, loopback: bool) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    let Some(raw) = raw.filter(|r| !r.trim().is_empty()) else {
        return Ok(if loopback {
            ["127.0.0.0/8", "::1/128"]
                .iter()
                .filter_map(|n| n.parse().ok())
                .collect()
        } else {
            Vec::new()
        });
    };
    parse_networks("ECMO_TRUSTED_PROXIES", raw)
}

/// A comma-separated list of addresses or CIDR ranges.
fn parse_networks(variable: &'static str, raw: String) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    raw.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.parse::<ipnet::IpNet>()
                .or_else(|_| item.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    invalid(
                        variable,
                        format!("`{item}` is not an address or a CIDR range such as 10.0.0.0/8"),
                    )
                })
        })
        .collect()
}

fn parse_bool(variable: &'static str, raw: Option<String>) -> Result<Option<bool>, ConfigError> {
    match raw.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None => Ok(None),
        Some("1" | "true" | "yes" | "on") => Ok(Some(true)),
        Some("0" | "false" | "no" | "off") => Ok(Some(false)),
        Some(_) => Err(invalid(variable, "must be true or false")),
    }
}

fn parse_num(
    variable: &'static str,
    raw: Option<String>,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
) -> Result<u64, ConfigError> {
    let Some(raw) = raw else { return Ok(default) };
    raw.parse::<u64>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| {
            invalid(
                variable,
                format!(
                    "must be a whole number from {} to {}",
                    range.start(),
                    range.end()
                ),
            )
        })
}

/// `smtp://[user:pass@]host[:port][?tls=required|opportunistic|none]` (STARTTLS required
/// unless said otherwise) or `smtps://[user:pass@]host[:port]` (TLS from the start).
pub fn parse_smtp_url(raw: &str) -> Result<SmtpSettings, ConfigError> {
    const VAR: &str = "ECMO_SMTP_URL";
    let url = Url::parse(raw)
        .map_err(|_| invalid(VAR, "must be a URL such as smtp://mail.example.org:587"))?;
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| invalid(VAR, "must name a mail server host"))?
        .trim_matches(|c| c == '[' || c == ']')
        .to_owned();
    let tls_param = url
        .query_pairs()
        .find(|(k, _)| k == "tls")
        .map(|(_, v)| v.into_owned());
    let (tls, default_port) = match (url.scheme(), tls_param.as_deref()) {
        ("smtps", None) => (SmtpTls::Implicit, 465),
        ("smtps", Some(_)) => {
            return Err(invalid(
                VAR,
                "takes no tls= option with smtps:// (TLS is always on)",
            ))
        }
        ("smtp", None | Some("required")) => (SmtpTls::StartTls, 587),
        ("smtp", Some("opportunistic")) => (SmtpTls::Opportunistic, 587),
        ("smtp", Some("none")) => (SmtpTls::None, 25),
        ("smtp", Some(_)) => {
            return Err(invalid(VAR, "tls= must be required, opportunistic or none"))
        }
        _ => return Err(invalid(VAR, "must start with smtp:// or smtps://")),
    };
    let decode = |s: &str| {
        percent_decode(s).ok_or_else(|| invalid(VAR, "has a badly encoded user name or password"))
    };
    let username = (!url.username().is_empty())
        .then(|| decode(url.username()))
        .transpose()?;
    let password = url
        .password()
        .map(decode)
        .transpose()?
        .map(SecretString::from);
    Ok(SmtpSettings {
        host,
        port: url.port().unwrap_or(default_port),
        tls,
        username,
        password,
    })
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn demo_defaults_need_nothing() {
        let s = settings(&[("ECMO_DEMO", "1")]).unwrap();
        assert_eq!(s.listen_addr.to_string(), "127.0.0.1:3000");
        assert!(s.mail.smtp.is_none());
        assert!(s.centre_phone.contains("demo"));
        assert_eq!(s.public_url.as_str(), "http://127.0.0.1:3000/");
    }

    #[test]
    fn production_requires_the_centre_phone() {
        let err = settings(&[]).unwrap_err();
        assert_eq!(err.variable, "ECMO_CENTRE_PHONE");
        assert!(settings(&[("ECMO_CENTRE_PHONE", "+386 1 522 0000")]).is_ok());
        assert_eq!(
            settings(&[("ECMO_CENTRE_PHONE", "call me")])
                .unwrap_err()
                .variable,
            "ECMO_CENTRE_PHONE"
        );
    }

    #[test]
    fn each_bad_value_names_its_variable() {
        let cases = [
            ("ECMO_DATABASE_URL", "nonsense"),
            ("ECMO_LISTEN_ADDR", "localhost"),
            ("ECMO_PUBLIC_URL", "ftp://x"),
            ("ECMO_SMTP_URL", "http://mail"),
            ("ECMO_SMTP_URL", "smtp://mail?tls=maybe"),
            ("ECMO_MAIL_FROM", "not an address"),
            ("ECMO_TEAM_EMAIL", "qqteam"),
            ("ECMO_LOG_FORMAT", "xml"),
            ("ECMO_DEMO", "perhaps"),
            ("ECMO_MAIL_MAX_ATTEMPTS", "0"),
        ];
        for (variable, value) in cases {
            let err = settings(&[("ECMO_DEMO", "1"), (variable, value)]).unwrap_err();
            assert_eq!(err.variable, variable, "{variable}={value}");
            assert!(
                !err.to_string().contains(value) || value.len() < 3,
                "the value is not echoed: {err}"
            );
        }
    }

    #[test]
    fn secrets_in_the_database_url_are_not_echoed() {
        let err = settings(&[
            ("ECMO_DEMO", "1"),
            ("ECMO_DATABASE_URL", "mysql://u:hunter2@h/db"),
        ])
        .unwrap_err();
        assert!(!err.to_string().contains("hunter2"));
    }

    #[test]
    fn smtp_urls() {
        let s = parse_smtp_url("smtp://mail.example.org").unwrap();
        assert_eq!((s.port, s.tls), (587, SmtpTls::StartTls));
        let s = parse_smtp_url("smtps://user%40x:p%40ss@mail.example.org").unwrap();
        assert_eq!((s.port, s.tls), (465, SmtpTls::Implicit));
        assert_eq!(s.username.as_deref(), Some("user@x"));
        use secrecy::ExposeSecret;
        assert_eq!(s.password.unwrap().expose_secret(), "p@ss");
        let s = parse_smtp_url("smtp://127.0.0.1:2525?tls=none").unwrap();
        assert_eq!(
            (s.host.as_str(), s.port, s.tls),
            ("127.0.0.1", 2525, SmtpTls::None)
        );
        assert!(parse_smtp_url("smtp://").is_err());
    }
}
