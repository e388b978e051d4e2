//! The `FinancingSource` and `FinancingTotals` objects.

use crate::graphql::scalars::Date;
use crate::graphql::scalars::Decimal;
use crate::ids::{self, Kind};
use async_graphql::{ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entities::{FinancingKind, FinancingStatus, financing_source};

/// Money committed to a pilot or one of its key projects.
pub struct FinancingSource(pub financing_source::Model);

#[Object(serial)]
impl FinancingSource {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::FinancingSource, self.0.id)
    }
    async fn kind(&self) -> FinancingKind {
        self.0.kind
    }
    async fn provider(&self) -> &str {
        &self.0.provider
    }
    /// The program fund the money comes from, where it names one.
    async fn fund(
        &self,
        ctx: &async_graphql::Context<'_>,
    ) -> async_graphql::Result<Option<crate::programs::types::Fund>> {
        let Some(id) = self.0.fund_id else {
            return Ok(None);
        };
        Ok(ctx
            .data_unchecked::<crate::graphql::loaders::Loaders>()
            .one::<entities::program_fund::Entity>(id)
            .await?
            .map(crate::programs::types::Fund))
    }
    /// The key project the money is earmarked for, if any.
    async fn key_project_id(&self) -> Option<ID> {
        self.0
            .key_project_id
            .map(|id| ids::encode(Kind::KeyProject, id))
    }
    /// Committed amount, CNY.
    async fn committed_amount(&self) -> Decimal {
        Decimal(self.0.committed_amount.0)
    }
    /// Disbursed amount, CNY; never more than committed.
    async fn disbursed_amount(&self) -> Decimal {
        Decimal(self.0.disbursed_amount.0)
    }
    /// Loan contract number, bond code or similar.
    async fn reference_number(&self) -> Option<&str> {
        self.0.reference_number.as_deref()
    }
    async fn committed_on(&self) -> Option<Date> {
        self.0.committed_on.map(Date)
    }
    async fn disbursed_on(&self) -> Option<Date> {
        self.0.disbursed_on.map(Date)
    }
    async fn status(&self) -> FinancingStatus {
        self.0.status
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

/// Sums of the amounts of financing sources that are not cancelled.
#[derive(SimpleObject, Default, Debug, Clone, PartialEq)]
#[graphql(serial)]
pub struct FinancingTotals {
    /// CNY.
    pub committed_amount: Decimal,
    /// CNY.
    pub disbursed_amount: Decimal,
}

impl FinancingTotals {
    /// The totals of a set of sources; cancelled ones count for nothing.
    pub fn of<'a>(sources: impl IntoIterator<Item = &'a financing_source::Model>) -> Self {
        sources
            .into_iter()
            .filter(|s| s.status != FinancingStatus::Cancelled)
            .fold(FinancingTotals::default(), |t, s| FinancingTotals {
                committed_amount: Decimal(t.committed_amount.0 + s.committed_amount.0),
                disbursed_amount: Decimal(t.disbursed_amount.0 + s.disbursed_amount.0),
            })
    }
}
