//! One module per page.
pub mod account;
pub mod admin;
pub mod calculators;
pub mod checklist;
pub mod error;
pub mod home;
pub mod not_found;
pub mod oncall;
pub mod referrals;
pub mod workspace;
