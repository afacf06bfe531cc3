//! Accounts: signing in and out, getting an account (invitation, self-registration,
//! command line), password reset, login throttling, and the audit trail of it all.
pub mod audit;
pub mod devices;
pub mod mails;
pub mod passwords;
pub mod service;
pub mod store;
pub mod throttle;
pub mod tokens;

use std::net::IpAddr;
use std::time::Duration;

use crate::domain::account::CurrentUser;

/// What the account services need to know about the installation.
#[derive(Clone, Debug)]
pub struct AccountConfig {
    /// Base of the links in emails, without a trailing slash, e.g. `https://ecmo.example.org`.
    pub public_url: String,
    pub message_id_domain: String,
    /// A session unused this long ends; activity moves the deadline.
    pub idle_timeout: Duration,
    /// A session ends this long after sign-in, however active it is.
    pub absolute_timeout: Duration,
    /// Consecutive failed sign-ins that lock an account for `lockout`.
    pub max_failures: u32,
    pub lockout: Duration,
    pub invitation_ttl: Duration,
    pub confirmation_ttl: Duration,
    pub reset_ttl: Duration,
}

impl AccountConfig {
    pub fn link(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.public_url)
    }
}

/// Who is asking, resolved once per request by the server's middleware and read by every
/// server function, API route and page.
#[derive(Clone, Debug, Default)]
pub struct RequestIdentity {
    pub user: Option<CurrentUser>,
    pub client_addr: Option<IpAddr>,
}
