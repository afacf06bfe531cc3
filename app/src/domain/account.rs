//! Who uses the system: roles and the signed-in user as every layer sees it. Nothing secret
//! lives here — these types travel to the browser.
use super::i18n::Lang;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A doctor of a referring hospital; belongs to exactly one hospital.
    Referrer,
    /// ECMO centre staff: sees and works every referral.
    EcmoClinician,
    /// The centre's administrator: accounts, hospitals, roster, rule set.
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Referrer, Role::EcmoClinician, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Referrer => "referrer",
            Self::EcmoClinician => "ecmo_clinician",
            Self::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text.trim())
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Self::Referrer, Lang::Sl) => "Napotni zdravnik",
            (Self::Referrer, Lang::En) => "Referring physician",
            (Self::EcmoClinician, Lang::Sl) => "Zdravnik ECMO centra",
            (Self::EcmoClinician, Lang::En) => "ECMO clinician",
            (Self::Admin, Lang::Sl) => "Skrbnik",
            (Self::Admin, Lang::En) => "Administrator",
        }
    }
}

/// Roles as stored: comma-separated, in a fixed order, without duplicates.
pub fn roles_to_csv(roles: &[Role]) -> String {
    let mut sorted = roles.to_vec();
    sorted.sort();
    sorted.dedup();
    sorted
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// Roles from their stored form; unknown names are dropped, never guessed.
pub fn roles_from_csv(csv: &str) -> Vec<Role> {
    let mut roles: Vec<Role> = csv.split(',').filter_map(Role::parse).collect();
    roles.sort();
    roles.dedup();
    roles
}

/// Why a set of roles cannot belong to one account, if it cannot.
pub fn role_conflict(roles: &[Role], hospital_id: Option<i64>) -> Option<RoleConflict> {
    let referrer = roles.contains(&Role::Referrer);
    if roles.is_empty() {
        Some(RoleConflict::NoRole)
    } else if referrer && roles.len() > 1 {
        // A referrer sees one hospital's referrals; centre roles see all. One account
        // cannot be both without blurring who may see what.
        Some(RoleConflict::ReferrerWithCentreRole)
    } else if referrer && hospital_id.is_none() {
        Some(RoleConflict::ReferrerWithoutHospital)
    } else if !referrer && hospital_id.is_some() {
        Some(RoleConflict::CentreRoleWithHospital)
    } else {
        None
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoleConflict {
    NoRole,
    ReferrerWithCentreRole,
    ReferrerWithoutHospital,
    CentreRoleWithHospital,
}

/// The signed-in user.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct CurrentUser {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub phone: String,
    pub roles: Vec<Role>,
    pub hospital_id: Option<i64>,
    pub hospital_name: Option<String>,
    pub language: Lang,
}

impl CurrentUser {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn is_centre_staff(&self) -> bool {
        self.has(Role::EcmoClinician) || self.has(Role::Admin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_in_a_fixed_order() {
        let csv = roles_to_csv(&[Role::Admin, Role::EcmoClinician, Role::Admin]);
        assert_eq!(csv, "ecmo_clinician,admin");
        assert_eq!(roles_from_csv(&csv), vec![Role::EcmoClinician, Role::Admin]);
        assert_eq!(
            roles_from_csv("admin,root, referrer"),
            vec![Role::Referrer, Role::Admin]
        );
    }

    #[test]
    fn referrers_belong_to_exactly_one_hospital_and_nothing_else() {
        use RoleConflict::*;
        assert_eq!(role_conflict(&[], None), Some(NoRole));
        assert_eq!(
            role_conflict(&[Role::Referrer], None),
            Some(ReferrerWithoutHospital)
        );
        assert_eq!(role_conflict(&[Role::Referrer], Some(1)), None);
        assert_eq!(
            role_conflict(&[Role::Referrer, Role::Admin], Some(1)),
            Some(ReferrerWithCentreRole)
        );
        assert_eq!(
            role_conflict(&[Role::Admin], Some(1)),
            Some(CentreRoleWithHospital)
        );
        assert_eq!(
            role_conflict(&[Role::Admin, Role::EcmoClinician], None),
            None
        );
    }
}
