//! One module per page.
pub mod calculators;
pub mod home;
pub mod not_found;
