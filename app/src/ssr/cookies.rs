//! The two small cookies the server sets beside the session's (a kept post's token, a
//! trusted device): reading one from a `Cookie` header and writing its `Set-Cookie`.

/// The value of cookie `name` in a `Cookie` header.
pub fn read<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// A `Set-Cookie` value: sent only to this site's paths, never to scripts, not on
/// cross-site subrequests, and `Secure` when the site is served over https. A `max_age` of
/// zero removes the cookie.
pub fn set(name: &str, value: &str, max_age_secs: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; Max-Age={max_age_secs}; HttpOnly; SameSite=Lax{secure}")
}
