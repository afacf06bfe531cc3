//! The clinical domain: pure rules and types with no IO, compiled for the browser and the
//! server alike so that both show the same results.
pub mod account;
pub mod calculator;
pub mod checklist;
pub mod checklist_labels;
pub mod derived;
pub mod fields;
pub mod gas_paste;
pub mod i18n;
pub mod labels;
pub mod policy;
pub mod referral;
pub mod roster;
pub mod rules;
pub mod scores;
pub mod triage;
pub mod triage_line;
pub mod units;
pub mod validation;
pub mod workflow;
