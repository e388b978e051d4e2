//! The `KeyProject` object.

use crate::graphql::scalars::Date;
use crate::graphql::scalars::Decimal;
use crate::ids::{self, Kind};
use async_graphql::{ID, Object};
use chrono::{DateTime, Utc};
use entities::{ProjectField, ProjectStatus, key_project};

/// A key project of a pilot.
pub struct KeyProject(pub key_project::Model);

#[Object(serial)]
impl KeyProject {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::KeyProject, self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn field(&self) -> ProjectField {
        self.0.field
    }
    /// Planned investment in CNY.
    async fn planned_investment(&self) -> Decimal {
        Decimal(self.0.planned_investment.0)
    }
    /// Expected CO₂ reduction per year, tCO₂e.
    async fn expected_annual_reduction(&self) -> Decimal {
        Decimal(self.0.expected_annual_reduction.0)
    }
    async fn starts_on(&self) -> Option<Date> {
        self.0.starts_on.map(Date)
    }
    async fn ends_on(&self) -> Option<Date> {
        self.0.ends_on.map(Date)
    }
    async fn status(&self) -> ProjectStatus {
        self.0.status
    }
    async fn progress_percent(&self) -> i32 {
        self.0.progress_percent
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}
