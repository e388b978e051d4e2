//! The `AnnualReport` and `ReportObligation` objects.

use crate::graphql::scalars::{Date, Decimal};
use crate::ids::{self, Kind};
use async_graphql::{ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entities::{ReportKind, annual_report};

/// A pilot's report for one year: its progress, or its carbon-emission disclosure.
pub struct AnnualReport(pub annual_report::Model);

#[Object]
impl AnnualReport {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::AnnualReport, self.0.id)
    }
    async fn kind(&self) -> ReportKind {
        self.0.kind
    }
    /// The calendar year reported.
    async fn year(&self) -> i32 {
        self.0.year
    }
    async fn summary(&self) -> &str {
        &self.0.summary
    }
    /// Emissions of the year, tonnes of CO2 equivalent (disclosures).
    #[graphql(name = "emissionsTco2e")]
    async fn emissions_tco2e(&self) -> Option<Decimal> {
        self.0.emissions_tco2e.map(|d| Decimal(d.0))
    }
    /// Where the disclosure was published.
    async fn published_url(&self) -> Option<&str> {
        self.0.published_url.as_deref()
    }
    async fn submitted_on(&self) -> Date {
        self.0.submitted_on.into()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A report a pilot owes for a year, filed or not.
#[derive(SimpleObject)]
pub struct ReportObligation {
    pub kind: ReportKind,
    pub year: i32,
    pub due_on: Date,
    /// Not filed and the due day has passed.
    pub overdue: bool,
    /// The report, once filed.
    pub report: Option<AnnualReport>,
}
