//! Integration tests: the real application on port 0 with a fresh database (SQLite always,
//! PostgreSQL when `ECMO_TEST_POSTGRES_URL` names a server) and a real SMTP server.
mod helpers;

mod access;
mod accounts;
mod backup;
mod checklist;

mod config;
mod demo;
mod followups;
mod health;
mod language;
mod mail;
mod metrics;
mod oncall;
mod openapi;
mod pages;
mod referrals;
mod retention;
mod schema;
mod scores;
mod shutdown;
mod subject_access;
mod workspace;
