//! Where outgoing mail goes: an SMTP relay, or `.eml` files when no relay is configured.
use crate::config::{MailSettings, SmtpSettings, SmtpTls};
use lettre::message::{header::ContentType, Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// One outbox row as the worker sends it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OutgoingMail {
    pub id: i64,
    pub message_id: String,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub created_at: i64,
    pub attempts: i64,
    /// The lane's rank (0: an alert to the team; see `outbox::Lane`).
    pub lane: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Will not succeed if tried again (a malformed address, a 5xx reply).
    #[error("permanent delivery failure")]
    Permanent(#[source] anyhow::Error),
    /// Might succeed later (server down, timeout, 4xx reply).
    #[error("temporary delivery failure")]
    Transient(#[source] anyhow::Error),
}

#[derive(Clone)]
pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
}

impl Transport {
    pub fn from_settings(mail: &MailSettings, data_dir: &std::path::Path) -> anyhow::Result<Self> {
        match &mail.smtp {
            Some(smtp) => Ok(Self::Smtp(smtp_transport(
                smtp,
                mail.send_timeout,
                mail.concurrency,
            )?)),
            None => Ok(Self::Files(data_dir.join("mail"))),
        }
    }

    /// A short description for the start-up log; never includes credentials.
    pub fn describe(&self) -> String {
        match self {
            Self::Smtp(_) => "SMTP relay".to_owned(),
            Self::Files(dir) => format!("files in {}", dir.display()),
        }
    }

    pub async fn send(&self, from: &Mailbox, mail: &OutgoingMail) -> Result<(), SendError> {
        let message = build_message(from, mail).map_err(SendError::Permanent)?;
        match self {
            Self::Smtp(smtp) => smtp.send(message).await.map(|_| ()).map_err(|e| {
                if e.is_permanent() {
                    SendError::Permanent(e.into())
                } else {
                    SendError::Transient(e.into())
                }
            }),
            Self::Files(dir) => {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| SendError::Transient(e.into()))?;
                let name = mail.message_id.replace(['/', '\\', '@'], "_");
                let path = dir.join(format!("{name}.eml"));
                let tmp = dir.join(format!(".{name}.tmp"));
                // Written under a temporary name and renamed, so a reader never sees half a file.
                tokio::fs::write(&tmp, message.formatted())
                    .await
                    .map_err(|e| SendError::Transient(e.into()))?;
                tokio::fs::rename(&tmp, &path)
                    .await
                    .map_err(|e| SendError::Transient(e.into()))
            }
        }
    }
}

fn smtp_transport(
    smtp: &SmtpSettings,
    timeout: Duration,
    connections: usize,
) -> anyhow::Result<AsyncSmtpTransport<Tokio1Executor>> {
    let tls = match smtp.tls {
        SmtpTls::None => Tls::None,
        SmtpTls::StartTls => Tls::Required(TlsParameters::new(smtp.host.clone())?),
        SmtpTls::Opportunistic => Tls::Opportunistic(TlsParameters::new(smtp.host.clone())?),
        SmtpTls::Implicit => Tls::Wrapper(TlsParameters::new(smtp.host.clone())?),
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(smtp.host.clone())
        .port(smtp.port)
        .tls(tls)
        .timeout(Some(timeout))
        // One connection per delivery loop at most, closed after a short idle spell so that
        // a quiet installation holds no connections to the mail server.
        .pool_config(
            lettre::transport::smtp::PoolConfig::new()
                .max_size(connections.max(1) as u32)
                .idle_timeout(Duration::from_secs(10)),
        );
    if let Some(user) = &smtp.username {
        let password = smtp
            .password
            .as_ref()
            .map(|p| p.expose_secret().to_owned())
            .unwrap_or_default();
        builder = builder.credentials(Credentials::new(user.clone(), password));
    }
    Ok(builder.build())
}

fn build_message(from: &Mailbox, mail: &OutgoingMail) -> anyhow::Result<Message> {
    let date = UNIX_EPOCH + Duration::from_millis(u64::try_from(mail.created_at).unwrap_or(0));
    let builder = Message::builder()
        .from(from.clone())
        .to(mail.recipient.parse()?)
        .subject(mail.subject.clone())
        .message_id(Some(format!("<{}>", mail.message_id)))
        .date(date.min(SystemTime::now()));
    let message = match &mail.body_html {
        Some(html) => builder.multipart(MultiPart::alternative_plain_html(
            mail.body_text.clone(),
            html.clone(),
        ))?,
        None => builder
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body_text.clone())?,
    };
    Ok(message)
}
