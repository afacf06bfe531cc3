//! The page language is one cookie, `i18n_pref_locale`, with `Path=/`, written only by the
//! language switch (`/lang/{sl|en}`).
//!
//! The i18n library also writes that cookie while rendering a page, without a `Path`; the
//! browser then keeps a second copy scoped to the page's directory (`/referrals`,
//! `/referrals/drafts`, …), which it sends *before* the site-wide one. After a switch to
//! English such a stale copy kept the pages under that directory in Slovene. So responses
//! never carry the library's copy, and of several copies in a request only the last — the
//! site-wide one, by RFC 6265 §5.4's ordering of longer paths first — is passed on.
use axum::{extract::Request, middleware::Next, response::Response};
use http::{header, HeaderValue};

pub const COOKIE: &str = "i18n_pref_locale";

pub async fn one_cookie(mut request: Request, next: Next) -> Response {
    if let Some(kept) = without_shadowed(request.headers()) {
        request.headers_mut().remove(header::COOKIE);
        if let Ok(value) = HeaderValue::from_str(&kept) {
            request.headers_mut().insert(header::COOKIE, value);
        }
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let kept: Vec<HeaderValue> = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter(|v| !is_library_copy(v.to_str().unwrap_or_default()))
        .cloned()
        .collect();
    if kept.len() != headers.get_all(header::SET_COOKIE).iter().count() {
        headers.remove(header::SET_COOKIE);
        for value in kept {
            headers.append(header::SET_COOKIE, value);
        }
    }
    response
}

/// The request's cookies with every language cookie but the last removed; `None` when
/// there is nothing to remove.
fn without_shadowed(headers: &http::HeaderMap) -> Option<String> {
    let pairs: Vec<&str> = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let is_language = |p: &str| p.split('=').next() == Some(COOKIE);
    let languages = pairs.iter().filter(|p| is_language(p)).count();
    if languages < 2 {
        return None;
    }
    let mut seen = 0;
    let kept: Vec<&str> = pairs
        .into_iter()
        .filter(|p| {
            if !is_language(p) {
                return true;
            }
            seen += 1;
            seen == languages
        })
        .collect();
    Some(kept.join("; "))
}

/// A language cookie written without `Path=/`: not the switch's.
fn is_library_copy(set_cookie: &str) -> bool {
    set_cookie.split('=').next().map(str::trim) == Some(COOKIE)
        && !set_cookie
            .split(';')
            .any(|attribute| attribute.trim().eq_ignore_ascii_case("path=/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_site_wide_language_cookie_is_passed_on() {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("i18n_pref_locale=sl; ecmo_session=abc; i18n_pref_locale=en"),
        );
        assert_eq!(
            without_shadowed(&headers).as_deref(),
            Some("ecmo_session=abc; i18n_pref_locale=en")
        );
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("ecmo_session=abc; i18n_pref_locale=en"),
        );
        assert_eq!(without_shadowed(&headers), None);
    }

    #[test]
    fn the_switch_cookie_is_kept_and_the_library_copy_dropped() {
        assert!(is_library_copy("i18n_pref_locale=sl"));
        assert!(is_library_copy("i18n_pref_locale=sl; SameSite=Lax"));
        assert!(!is_library_copy(
            "i18n_pref_locale=en; Path=/; Max-Age=31536000; SameSite=Lax"
        ));
        assert!(!is_library_copy("ecmo_session=abc; HttpOnly"));
    }
}
