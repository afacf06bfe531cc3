//! What every page needs to know about this installation, served once with the page.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Where pages load the browser bundle from: `/v/<digest of its contents>` (the server's
/// `assets` module), so that browsers may keep it for good.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssetRoot(pub String);

/// Public facts about the installation. Nothing secret goes in here: it is sent to the browser.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteInfo {
    /// The centre's 24/7 phone number as people write it, e.g. `+386 1 522 0000`.
    pub centre_phone: String,
    /// True when the database was seeded with demonstration data.
    pub demo: bool,
}

impl SiteInfo {
    /// The number in the form a `tel:` link takes: a leading `+` and digits only.
    pub fn tel_href(&self) -> String {
        let digits: String = self
            .centre_phone
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect();
        format!("tel:{digits}")
    }
}

/// The installation's facts, rendered into the first HTML synchronously (never streamed
/// later, so the phone number is there without JavaScript) and read back by the browser
/// during hydration.
pub fn use_site_info() -> Option<SiteInfo> {
    SharedValue::new(|| {
        #[cfg(feature = "ssr")]
        {
            use_context::<SiteInfo>()
        }
        #[cfg(not(feature = "ssr"))]
        {
            None
        }
    })
    .into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tel_href_keeps_only_plus_and_digits() {
        let info = SiteInfo {
            centre_phone: "+386 (1) 522-00 00".into(),
            demo: false,
        };
        assert_eq!(info.tel_href(), "tel:+38615220000");
    }
}
