//! Authorisation in one place: may this user do this to that referral, hospital or page?
//! Every server function, API route and page asks here; nothing else decides access.
use super::account::{CurrentUser, Role};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Read or change one's own profile, sign out everywhere.
    ManageOwnAccount,
    /// Invite, approve, deactivate users and change their roles.
    ManageUsers,
    /// Add and edit referring hospitals and the registration setting.
    ManageHospitals,
    /// Edit the on-call roster.
    ManageRoster,
    /// Replace the clinical rule set.
    ManageRules,
    /// Start a referral on behalf of a hospital.
    CreateReferral { hospital_id: i64 },
    /// Read a referral sent by a hospital.
    ViewReferral { hospital_id: i64 },
    /// See the list of the referrals one may read.
    ListReferrals,
    /// Work the centre's queue: acknowledge, decide, record.
    WorkReferrals,
    /// See the on-call roster and the delivery of notifications (centre staff).
    ViewCentreOperations,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Nobody is signed in: ask them to sign in.
    SignIn,
    /// Signed in, but not allowed: no second try will help.
    Deny,
}

pub fn decide(user: Option<&CurrentUser>, action: Action) -> Decision {
    let Some(user) = user else {
        return Decision::SignIn;
    };
    let allowed = match action {
        Action::ManageOwnAccount => true,
        Action::ManageUsers
        | Action::ManageHospitals
        | Action::ManageRoster
        | Action::ManageRules => user.has(Role::Admin),
        Action::CreateReferral { hospital_id } => {
            user.has(Role::Referrer) && user.hospital_id == Some(hospital_id)
        }
        Action::ViewReferral { hospital_id } => {
            user.is_centre_staff()
                || (user.has(Role::Referrer) && user.hospital_id == Some(hospital_id))
        }
        Action::ListReferrals => user.has(Role::Referrer) || user.is_centre_staff(),
        Action::WorkReferrals => user.has(Role::EcmoClinician),
        Action::ViewCentreOperations => user.is_centre_staff(),
    };
    if allowed {
        Decision::Allow
    } else {
        Decision::Deny
    }
}

pub fn permits(user: Option<&CurrentUser>, action: Action) -> bool {
    decide(user, action) == Decision::Allow
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::i18n::Lang;

    fn user(roles: &[Role], hospital_id: Option<i64>) -> CurrentUser {
        CurrentUser {
            id: 1,
            email: "x@example.org".into(),
            name: "X".into(),
            phone: String::new(),
            roles: roles.to_vec(),
            hospital_id,
            hospital_name: None,
            language: Lang::Sl,
        }
    }

    #[test]
    fn every_action_for_every_kind_of_user() {
        use Action::*;
        use Decision::*;
        let a = user(&[Role::Referrer], Some(1));
        let clinician = user(&[Role::EcmoClinician], None);
        let admin = user(&[Role::Admin], None);
        let admin_clinician = user(&[Role::Admin, Role::EcmoClinician], None);
        let cases: &[(Action, [Decision; 5])] = &[
            //                                anon    ref A  clin   admin  admin+clin
            (ManageOwnAccount, [SignIn, Allow, Allow, Allow, Allow]),
            (ManageUsers, [SignIn, Deny, Deny, Allow, Allow]),
            (ManageHospitals, [SignIn, Deny, Deny, Allow, Allow]),
            (ManageRoster, [SignIn, Deny, Deny, Allow, Allow]),
            (ManageRules, [SignIn, Deny, Deny, Allow, Allow]),
            (
                CreateReferral { hospital_id: 1 },
                [SignIn, Allow, Deny, Deny, Deny],
            ),
            (
                CreateReferral { hospital_id: 2 },
                [SignIn, Deny, Deny, Deny, Deny],
            ),
            (
                ViewReferral { hospital_id: 1 },
                [SignIn, Allow, Allow, Allow, Allow],
            ),
            (
                ViewReferral { hospital_id: 2 },
                [SignIn, Deny, Allow, Allow, Allow],
            ),
            (ListReferrals, [SignIn, Allow, Allow, Allow, Allow]),
            (WorkReferrals, [SignIn, Deny, Allow, Deny, Allow]),
            (ViewCentreOperations, [SignIn, Deny, Allow, Allow, Allow]),
        ];
        for (action, expected) in cases {
            let users = [
                None,
                Some(&a),
                Some(&clinician),
                Some(&admin),
                Some(&admin_clinician),
            ];
            for (user, want) in users.into_iter().zip(expected) {
                assert_eq!(decide(user, *action), *want, "{action:?} for {user:?}");
            }
        }
    }
}
