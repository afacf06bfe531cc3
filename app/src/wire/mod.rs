//! What crosses the wire: the data the pages, the server functions and the services pass
//! to each other. A layer of its own so that the services below the server functions can
//! use these types without importing their callers.
pub mod accounts;
pub mod oncall;
pub mod referrals;
pub mod workspace;
