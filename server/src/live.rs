//! Server-sent event streams that tell open pages *that* something changed (never what):
//! the centre's queue and one referral's page. A stream is authorised when it opens and
//! again on every change and every 15 seconds: the session is read afresh from the store
//! and the user's current account (active, hospital, roles) checked, so signing out,
//! deactivation, a role change or a move to another hospital ends it within seconds.
use crate::state::AppState;
use axum::response::sse::{Event, KeepAlive, Sse};
use ecmo_referral_app::ssr::accounts::RequestIdentity;
use futures_util::future::BoxFuture;
use futures_util::Stream;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tower_sessions::session::Id;
use tower_sessions::Session;

/// How often an open stream checks its session when nothing changes.
const RECHECK: Duration = Duration::from_secs(15);

/// What a stream does after a wake-up.
pub enum Verdict {
    /// The reader may no longer follow: end the stream.
    Close,
    /// Nothing to announce.
    Quiet,
    /// Tell the page.
    Send(Event),
}

/// Decides, for the identity as it is now, what to do; `changed` is false for the periodic
/// session check.
pub type Check = Arc<dyn Fn(RequestIdentity, bool) -> BoxFuture<'static, Verdict> + Send + Sync>;

/// The signed-in user of `session_id` now, read from the store (not from the request's
/// copy, which would not see a sign-out elsewhere).
async fn identity_now(
    state: &AppState,
    session_id: Option<Id>,
    client_addr: Option<std::net::IpAddr>,
) -> Option<RequestIdentity> {
    let session = Session::new(session_id, state.sessions.clone(), None);
    let user = state.accounts.session_user(&session).await.ok()??;
    Some(RequestIdentity {
        user: Some(user),
        client_addr,
    })
}

struct Follow {
    state: AppState,
    session_id: Option<Id>,
    client_addr: Option<std::net::IpAddr>,
    receiver: tokio::sync::watch::Receiver<u64>,
    tick: tokio::time::Interval,
    check: Check,
}

/// The stream for a reader whose request carried `session`.
pub fn stream(
    state: AppState,
    session: &Session,
    identity: &RequestIdentity,
    check: Check,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let mut tick = tokio::time::interval(RECHECK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.reset();
    let follow = Follow {
        receiver: state.referrals.changes.subscribe(),
        session_id: session.id(),
        client_addr: identity.client_addr,
        state,
        tick,
        check,
    };
    let events = futures_util::stream::unfold(follow, |mut f| async move {
        loop {
            let changes = f.state.referrals.changes.clone();
            let changed = tokio::select! {
                _ = changes.closed() => return None,
                changed = f.receiver.changed() => {
                    changed.ok()?;
                    f.receiver.borrow_and_update();
                    true
                }
                _ = f.tick.tick() => false,
            };
            let identity = identity_now(&f.state, f.session_id, f.client_addr).await?;
            match (f.check)(identity, changed).await {
                Verdict::Close => return None,
                Verdict::Quiet => continue,
                Verdict::Send(event) => return Some((Ok(event), f)),
            }
        }
    });
    Sse::new(events).keep_alive(KeepAlive::new().interval(RECHECK))
}
