//! The `KeyProject` object.

use crate::graphql::scalars::Date;
use crate::graphql::scalars::Decimal;
use crate::ids::{self, Kind};
use async_graphql::{ID, Object};
use chrono::{DateTime, Utc};
use entities::{ProjectField, ProjectStatus, key_project};

/// A key project of a pilot.
pub struct KeyProject(pub key_project::Model);

crate::graphql::records::record_object! {
    #[Object(serial)]
    impl KeyProject(0: key_project::Model) {
        pub id: ID = |id| ids::encode(Kind::KeyProject, *id);
        name: &str = |name| name;
        field: ProjectField = |field| *field;
        /// Planned investment in CNY.
        planned_investment: Decimal = |planned_investment| Decimal(planned_investment.0);
        /// Expected CO₂ reduction per year, tCO₂e.
        expected_annual_reduction: Decimal = |expected_annual_reduction| Decimal(expected_annual_reduction.0);
        starts_on: Option<Date> = |starts_on| (*starts_on).map(Date);
        ends_on: Option<Date> = |ends_on| (*ends_on).map(Date);
        status: ProjectStatus = |status| *status;
        progress_percent: i32 = |progress_percent| *progress_percent;
        version: i32 = |version| *version;
        created_at: DateTime<Utc> = |created_at| *created_at;
        updated_at: DateTime<Utc> = |updated_at| *updated_at;
    }
}
