//! Who is asking, and whether a state-changing request came from our own pages.
use crate::state::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ecmo_referral_app::ssr::accounts::RequestIdentity;
use http::{header, HeaderMap, Method, StatusCode};
use std::net::{IpAddr, SocketAddr};
use tower_sessions::Session;

/// Resolves the signed-in user (from the session in the database) and the client address
/// once per request, for every handler, server function and page to read.
pub async fn identify(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let is_static = path.starts_with("/pkg/") || path == "/favicon.svg" || path == "/healthz";
    let client_addr = client_addr(&request, &state.settings.accounts.trusted_proxies);
    let user = match (is_static, request.extensions().get::<Session>().cloned()) {
        (false, Some(session)) => match state.accounts.session_user(&session).await {
            Ok(user) => user,
            Err(_) => return service_unavailable(),
        },
        _ => None,
    };
    // Centre staff are told on every page while an alert to the team is overdue (the
    // layout reads this); a failed look is no alarm, /healthz reports the database.
    let staff = user.as_ref().is_some_and(|u| u.is_centre_staff());
    if staff && !path_is_api(request.uri().path()) {
        if let Ok(overdue) = ecmo_referral_app::ssr::outbox::overdue_alerts(
            &state.db,
            ecmo_referral_app::ssr::time::now_ms(),
        )
        .await
        {
            if overdue.count > 0 {
                request.extensions_mut().insert(overdue);
            }
        }
    }
    request
        .extensions_mut()
        .insert(RequestIdentity { user, client_addr });
    next.run(request).await
}

fn path_is_api(path: &str) -> bool {
    path.starts_with("/api/") || path.starts_with("/pkg/")
}

/// The client's address. Behind trusted proxies it is the right-most `X-Forwarded-For` hop
/// that is not itself a trusted proxy: every hop to its right was appended by a proxy we
/// trust, everything to its left the client could have written. From anyone else the
/// header is ignored.
fn client_addr(request: &Request, trusted: &[ipnet::IpNet]) -> Option<IpAddr> {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_canonical())?;
    Some(forwarded_client(
        peer,
        request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok()),
        trusted,
    ))
}

fn forwarded_client<'a>(
    peer: IpAddr,
    headers: impl Iterator<Item = &'a str>,
    trusted: &[ipnet::IpNet],
) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<&str> = headers.flat_map(|v| v.split(',')).collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) => {
                client = ip.to_canonical();
                if !is_trusted(&client) {
                    return client;
                }
            }
            // A hop that is not an address: the trusted hop that wrote it is the client.
            Err(_) => return client,
        }
    }
    client
}

fn service_unavailable() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, "5"), (header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "Prijava trenutno ni na voljo: poskusite znova čez nekaj sekund; za nujnega bolnika pokličite ECMO center. / The sign-in service is briefly unavailable: try again in a few seconds; for an urgent patient, phone the ECMO centre.",
    )
        .into_response()
}

/// Refuses state-changing requests that a browser sent from another site. Browsers name
/// the page's origin in `Origin` (or at least `Referer`) on every POST; it must be this
/// site, as configured (`ECMO_PUBLIC_URL`) or as addressed (`Host`). A request with
/// neither header comes from a script, not a browser, and is allowed only with a body type
/// that a cross-site HTML form cannot send.
pub async fn same_origin(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let public = state.settings.public_url.origin().ascii_serialization();
    if is_same_origin(request.headers(), &public) {
        next.run(request).await
    } else {
        tracing::warn!(path = %request.uri().path(), "cross-site request refused");
        (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "This request did not come from this site's own pages and was refused. Reload the page and try again. / Zahteva ni prišla s strani tega spletišča; osvežite stran in poskusite znova.",
        )
            .into_response()
    }
}

fn is_same_origin(headers: &HeaderMap, public_origin: &str) -> bool {
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    let host = text(header::HOST);
    let matches = |origin: &str| {
        let Ok(url) = url::Url::parse(origin) else {
            return false;
        };
        let serialised = url.origin().ascii_serialization();
        if serialised == public_origin {
            return true;
        }
        let authority = match (url.host_str(), url.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_owned(),
            _ => return false,
        };
        host.is_some_and(|h| h.eq_ignore_ascii_case(&authority))
    };
    if let Some(origin) = text(header::ORIGIN) {
        return origin != "null" && matches(origin);
    }
    if let Some(referer) = text(header::REFERER) {
        return matches(referer);
    }
    let content_type = text(header::CONTENT_TYPE)
        .unwrap_or("")
        .to_ascii_lowercase();
    ![
        "application/x-www-form-urlencoded",
        "multipart/form-data",
        "text/plain",
    ]
    .iter()
    .any(|t| content_type.starts_with(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(
                header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        map
    }

    const PUBLIC: &str = "https://ecmo.example.org";

    #[test]
    fn origins_of_this_site_pass_and_others_do_not() {
        assert!(is_same_origin(&headers(&[("origin", PUBLIC)]), PUBLIC));
        assert!(is_same_origin(
            &headers(&[
                ("origin", "http://127.0.0.1:3000"),
                ("host", "127.0.0.1:3000")
            ]),
            PUBLIC
        ));
        assert!(!is_same_origin(
            &headers(&[("origin", "https://evil.example")]),
            PUBLIC
        ));
        assert!(!is_same_origin(
            &headers(&[
                ("origin", "https://evil.example"),
                ("host", "ecmo.example.org")
            ]),
            PUBLIC
        ));
        assert!(!is_same_origin(&headers(&[("origin", "null")]), PUBLIC));
        assert!(is_same_origin(
            &headers(&[("referer", "https://ecmo.example.org/login")]),
            PUBLIC
        ));
        assert!(!is_same_origin(
            &headers(&[("referer", "https://evil.example/x")]),
            PUBLIC
        ));
    }

    #[test]
    fn without_origin_only_bodies_a_form_cannot_send_pass() {
        assert!(is_same_origin(
            &headers(&[("content-type", "application/json")]),
            PUBLIC
        ));
        assert!(is_same_origin(&headers(&[]), PUBLIC));
        assert!(!is_same_origin(
            &headers(&[("content-type", "application/x-www-form-urlencoded")]),
            PUBLIC
        ));
        assert!(!is_same_origin(
            &headers(&[("content-type", "text/plain")]),
            PUBLIC
        ));
        assert!(!is_same_origin(
            &headers(&[("content-type", "multipart/form-data; boundary=x")]),
            PUBLIC
        ));
    }

    fn nets(list: &[&str]) -> Vec<ipnet::IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    #[test]
    fn the_client_is_the_right_most_untrusted_hop() {
        let proxies = nets(&["10.0.0.0/8", "::1/128"]);
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        // A spoofed entry on the left is ignored.
        assert_eq!(
            forwarded_client(
                ip("10.0.0.2"),
                ["6.6.6.6, 203.0.113.9"].into_iter(),
                &proxies
            ),
            ip("203.0.113.9")
        );
        // Proxies in a chain are skipped.
        assert_eq!(
            forwarded_client(
                ip("10.0.0.2"),
                ["203.0.113.9, 10.0.0.7"].into_iter(),
                &proxies
            ),
            ip("203.0.113.9")
        );
        // From an untrusted peer the header means nothing.
        assert_eq!(
            forwarded_client(ip("198.51.100.4"), ["1.2.3.4"].into_iter(), &proxies),
            ip("198.51.100.4")
        );
        // Rubbish in the header: the trusted hop is the client.
        assert_eq!(
            forwarded_client(ip("10.0.0.2"), ["nonsense"].into_iter(), &proxies),
            ip("10.0.0.2")
        );
        // IPv4 mapped in IPv6 is read as IPv4.
        assert_eq!(
            forwarded_client(ip("::1"), ["::ffff:203.0.113.9"].into_iter(), &proxies),
            ip("203.0.113.9")
        );
    }
}
