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
    impl KeyProject as p {
        pub id: ID = ids::encode(Kind::KeyProject, p.0.id);
        name: &str = &p.0.name;
        field: ProjectField = p.0.field;
        /// Planned investment in CNY.
        planned_investment: Decimal = Decimal(p.0.planned_investment.0);
        /// Expected CO₂ reduction per year, tCO₂e.
        expected_annual_reduction: Decimal = Decimal(p.0.expected_annual_reduction.0);
        starts_on: Option<Date> = p.0.starts_on.map(Date);
        ends_on: Option<Date> = p.0.ends_on.map(Date);
        status: ProjectStatus = p.0.status;
        progress_percent: i32 = p.0.progress_percent;
        version: i32 = p.0.version;
        created_at: DateTime<Utc> = p.0.created_at;
        updated_at: DateTime<Utc> = p.0.updated_at;
    }
}
