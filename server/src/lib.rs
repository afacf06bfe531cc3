//! The ECMO Referral server: configuration, start-up, HTTP routes and background workers.
pub mod api;
pub mod assets;
pub mod auth;
pub mod checklist;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod exports;
pub mod health;
pub mod language;
pub mod live;
pub mod mail;
pub mod security;
pub mod startup;
pub mod state;
pub mod telemetry;
