//! The `FinancingSource` and `FinancingTotals` objects.

use crate::graphql::scalars::Date;
use crate::graphql::scalars::Decimal;
use crate::ids::{self, Kind};
use async_graphql::{ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entities::{FinancingKind, FinancingStatus, financing_source};

/// Money committed to a pilot or one of its key projects.
pub struct FinancingSource(pub financing_source::Model);

crate::graphql::records::record_object! {
    #[Object(serial)]
    impl FinancingSource(0: financing_source::Model) {
        pub id: ID = |id| ids::encode(Kind::FinancingSource, *id);
        kind: FinancingKind = |kind| *kind;
        provider: &str = |provider| provider;
        /// The key project the money is earmarked for, if any.
        key_project_id: Option<ID> = |key_project_id| (*key_project_id).map(|id| ids::encode(Kind::KeyProject, id));
        /// Committed amount, CNY.
        committed_amount: Decimal = |committed_amount| Decimal(committed_amount.0);
        /// Disbursed amount, CNY; never more than committed.
        disbursed_amount: Decimal = |disbursed_amount| Decimal(disbursed_amount.0);
        /// Loan contract number, bond code or similar.
        reference_number: Option<&str> = |reference_number| reference_number.as_deref();
        committed_on: Option<Date> = |committed_on| (*committed_on).map(Date);
        disbursed_on: Option<Date> = |disbursed_on| (*disbursed_on).map(Date);
        status: FinancingStatus = |status| *status;
        version: i32 = |version| *version;
        created_at: DateTime<Utc> = |created_at| *created_at;
        updated_at: DateTime<Utc> = |updated_at| *updated_at;
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
