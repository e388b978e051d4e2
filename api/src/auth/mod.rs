//! Who is calling: tokens are verified once at the edge and become a [`Viewer`]; the scope of
//! every read is derived from it in [`scope`].

pub mod jwt;
pub mod permissions;
pub mod redaction;
pub mod scope;

use crate::error::ApiError;
use crate::ids;
use crate::regions::code::RegionCode;
use entities::{RegionLevel, Role, organization};
use jwt::Claims;
use sea_orm::{DatabaseConnection, EntityTrait};

/// The department whose bureau compiles every application and so reads every pilot type.
pub const COMPILING_DEPARTMENT: &str = "ecology_environment";

/// The authenticated caller, as every service function receives it.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub sub: String,
    pub role: Role,
    /// The caller's region; for applicants, the region of their organisation.
    pub region: Option<RegionCode>,
    /// The applicant organisation (applicants only).
    pub org: Option<i64>,
    /// The caller's bureau, for municipal and county users.
    pub dept: Option<String>,
    pub name: Option<String>,
    /// The request being served, recorded with every change it makes.
    pub request_id: Option<String>,
    /// When the token stops being valid (a WebSocket connection outlives its first request).
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl Viewer {
    /// Checks the claims' shape against the role and builds the viewer. Applicants' `org` is
    /// resolved against the database separately ([`resolve_applicant`]).
    pub fn from_claims(c: Claims) -> Result<Self, ApiError> {
        let bad = |m: &str| ApiError::Unauthenticated(format!("invalid token claims: {m}"));
        if c.sub.trim().is_empty() || c.sub.len() > 200 {
            return Err(bad("`sub` must be 1 to 200 characters"));
        }
        let role: Role = c
            .role
            .to_uppercase()
            .parse()
            .map_err(|_| bad("unknown `role`"))?;
        let region = c
            .region
            .as_deref()
            .map(RegionCode::parse)
            .transpose()
            .map_err(|_| bad("`region` is not a six-digit division code"))?;
        let required_level = match role {
            Role::Provincial => Some(RegionLevel::Province),
            Role::Municipal => Some(RegionLevel::Municipality),
            Role::County => Some(RegionLevel::County),
            Role::National | Role::Auditor | Role::Applicant => None,
        };
        match (&region, required_level) {
            (Some(_), None) if role == Role::National => {
                return Err(bad(
                    "a national user has no `region`: its scope is the country",
                ));
            }
            (None, Some(_)) => return Err(bad("this role needs a `region`")),
            (Some(r), Some(level)) if r.level() != level => {
                return Err(bad("`region` is not at the level of the role"));
            }
            (None, None) if role == Role::Auditor => {
                return Err(bad("an auditor needs a `region`"));
            }
            _ => {}
        }
        let org = match (role, c.org.as_deref()) {
            (Role::Applicant, Some(o)) => Some(
                ids::decode_as(o, ids::Kind::Organization)
                    .ok_or_else(|| bad("`org` is not an organisation id"))?,
            ),
            (Role::Applicant, None) => return Err(bad("an applicant needs `org`")),
            (_, Some(_)) => return Err(bad("only applicants carry `org`")),
            (_, None) => None,
        };
        let dept = match c.dept {
            Some(d)
                if d.is_empty()
                    || d.len() > 40
                    || !d.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') =>
            {
                return Err(bad("`dept` must be a lower-case department key"));
            }
            other => other,
        };
        let name = c
            .name
            .filter(|n| !n.is_empty())
            .map(|n| n.chars().take(200).collect());
        Ok(Viewer {
            sub: c.sub,
            role,
            region: if role == Role::Applicant {
                None
            } else {
                region
            },
            org,
            dept,
            name,
            request_id: None,
            expires_at: chrono::DateTime::from_timestamp(c.exp, 0),
        })
    }

    /// Whether the token has expired at `now` (with the verifier's leeway).
    pub fn is_expired(&self, now: chrono::DateTime<chrono::Utc>) -> bool {
        self.expires_at
            .is_some_and(|exp| now > exp + chrono::TimeDelta::seconds(jwt::LEEWAY_SECS as i64))
    }

    /// Whether the viewer may act on pilots of a type led by `lead_departments` (empty when
    /// the program names no lead); the department key is compared to the letter.
    pub fn is_lead_for(&self, lead_departments: &[String]) -> bool {
        match self.role {
            Role::Municipal | Role::County if !lead_departments.is_empty() => self
                .dept
                .as_deref()
                .is_some_and(|d| lead_departments.iter().any(|l| l == d)),
            _ => true,
        }
    }
}

/// Confirms that an applicant's organisation exists and takes its region as the viewer's.
pub async fn resolve_applicant(
    db: &DatabaseConnection,
    mut viewer: Viewer,
) -> Result<Viewer, ApiError> {
    let Some(org_id) = viewer.org else {
        return Ok(viewer);
    };
    let org = organization::Entity::find_by_id(org_id)
        .one(db)
        .await?
        .ok_or_else(|| {
            ApiError::Unauthenticated("the token's organisation does not exist".into())
        })?;
    viewer.region = RegionCode::parse(&org.region_code).ok();
    Ok(viewer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(role: &str, region: Option<&str>) -> Claims {
        Claims {
            sub: "u1".into(),
            role: role.into(),
            region: region.map(Into::into),
            org: None,
            dept: None,
            name: None,
            exp: 0,
            iat: None,
            nbf: None,
            iss: None,
            aud: None,
        }
    }

    #[test]
    fn roles_need_a_region_of_their_level() {
        assert!(Viewer::from_claims(claims("provincial", Some("370000"))).is_ok());
        assert!(Viewer::from_claims(claims("provincial", Some("371400"))).is_err());
        assert!(Viewer::from_claims(claims("municipal", Some("371400"))).is_ok());
        assert!(Viewer::from_claims(claims("municipal", None)).is_err());
        assert!(Viewer::from_claims(claims("county", Some("371400"))).is_err());
        assert!(Viewer::from_claims(claims("auditor", Some("371482"))).is_ok());
        assert!(Viewer::from_claims(claims("auditor", None)).is_err());
        assert!(Viewer::from_claims(claims("admin", Some("370000"))).is_err());
    }

    #[test]
    fn applicants_need_an_organisation_id() {
        assert!(Viewer::from_claims(claims("applicant", None)).is_err());
        let mut c = claims("applicant", None);
        c.org = Some(ids::encode(ids::Kind::Organization, 7).to_string());
        assert_eq!(Viewer::from_claims(c).expect("viewer").org, Some(7));
        let mut c = claims("municipal", Some("371400"));
        c.org = Some(ids::encode(ids::Kind::Organization, 7).to_string());
        assert!(Viewer::from_claims(c).is_err(), "org on a non-applicant");
    }

    #[test]
    fn only_the_lead_department_acts_on_led_types() {
        let mut c = claims("municipal", Some("451200"));
        c.dept = Some("industry".into());
        let v = Viewer::from_claims(c).expect("viewer");
        let leads = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(v.is_lead_for(&leads(&["industry"])));
        assert!(!v.is_lead_for(&leads(&["ecology_environment", "development_reform"])));
        assert!(!v.is_lead_for(&leads(&["industr_"])), "to the letter");
        assert!(v.is_lead_for(&[]));
    }
}
