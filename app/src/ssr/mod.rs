//! Server-only services: the database handle and the mail outbox. Nothing here reaches the
//! browser build.
pub mod accounts;
pub mod changes;
pub mod cookies;
pub mod db;
pub mod drafts;
pub mod followups;
pub mod notify;
pub mod oncall;
pub mod outbox;
pub mod pending;
pub mod referrals;
pub mod roster;
pub mod session;
pub mod time;
pub mod timeline;
pub mod workflow;
