//! Mail delivery: the outbox worker and the transports it sends through.
pub mod transport;
pub mod worker;

pub use transport::Transport;
pub use worker::{MailWorker, WorkerHealth};
