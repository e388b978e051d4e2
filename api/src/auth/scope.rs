//! Row-level scope: the one place where a [`Viewer`] becomes the SQL condition of each entity.
//! Every read of pilots, organisations, programs and pilot children filters through here, so
//! an out-of-scope record is simply absent (`NOT_FOUND`), never hinted at.

use super::{COMPILING_DEPARTMENT, Viewer};
use crate::regions::code::RegionCode;
use entities::{
    RegionLevel, RegionalPlanStatus, Role, RuleList, organization, pilot, program,
    program_rule_value, program_type_rule, regional_plan,
};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement, SimpleExpr};
use sea_orm::{ColumnTrait, Condition};

/// A condition no row satisfies (for viewers lacking what a scope needs).
fn nothing() -> Condition {
    Condition::all().add(Expr::val(1).eq(0))
}

/// Pilots inside a region of any level (by the region codes kept on every pilot row).
pub fn pilot_in(region: &RegionCode) -> SimpleExpr {
    match region.level() {
        RegionLevel::Province => pilot::Column::ProvinceCode.eq(region.as_str()),
        RegionLevel::Municipality => pilot::Column::MunicipalityCode.eq(region.as_str()),
        RegionLevel::County => pilot::Column::CountyCode.eq(region.as_str()),
    }
}

/// Organisations inside a region of any level.
pub fn organization_in(region: &RegionCode) -> SimpleExpr {
    match region.level() {
        RegionLevel::Province => organization::Column::ProvinceCode.eq(region.as_str()),
        RegionLevel::Municipality => organization::Column::MunicipalityCode.eq(region.as_str()),
        RegionLevel::County => organization::Column::RegionCode.eq(region.as_str()),
    }
}

impl Viewer {
    /// The pilots this viewer may read.
    pub fn pilot_scope(&self) -> Condition {
        if self.role == Role::Applicant {
            return match self.org {
                Some(org) => Condition::all().add(pilot::Column::ApplicantId.eq(org)),
                None => nothing(),
            };
        }
        if self.role == Role::National {
            return Condition::all();
        }
        let Some(region) = &self.region else {
            return nothing();
        };
        let mut cond = Condition::all().add(pilot_in(region));
        if matches!(self.role, Role::Municipal | Role::County) {
            cond = cond.add(self.department_filter());
        }
        cond
    }

    /// Municipal and county bureaus other than the compiling one see only the types their
    /// department leads (and types whose program names no lead).
    fn department_filter(&self) -> Condition {
        if self.dept.as_deref() == Some(COMPILING_DEPARTMENT) {
            return Condition::all();
        }
        // The pilot's type either names no lead department, or names the viewer's to the letter.
        let leads_of_rule = |dept: Option<&str>| {
            let mut q = Query::select();
            q.expr(Expr::val(1))
                .from(program_rule_value::Entity)
                .and_where(
                    Expr::col((
                        program_rule_value::Entity,
                        program_rule_value::Column::RuleId,
                    ))
                    .equals((program_type_rule::Entity, program_type_rule::Column::Id)),
                )
                .and_where(program_rule_value::Column::List.eq(RuleList::LeadDepartment))
                .and_where(program_rule_value::Column::RetiredAt.is_null());
            if let Some(d) = dept {
                q.and_where(program_rule_value::Column::Value.eq(d));
            }
            q.to_owned()
        };
        let mut led_by_me = Condition::any().add(Expr::exists(leads_of_rule(None)).not());
        if let Some(d) = &self.dept {
            led_by_me = led_by_me.add(Expr::exists(leads_of_rule(Some(d))));
        }
        // The (program, type) pairs the viewer's bureau may see, as one uncorrelated subquery:
        // the database evaluates it once per statement, not once per pilot, so a count over
        // the viewer's region still runs from the region's index.
        let visible_rules = Query::select()
            .column((
                program_type_rule::Entity,
                program_type_rule::Column::ProgramId,
            ))
            .column((
                program_type_rule::Entity,
                program_type_rule::Column::PilotType,
            ))
            .from(program_type_rule::Entity)
            .cond_where(led_by_me)
            .to_owned();
        Condition::all().add(
            Expr::tuple([
                Expr::col((pilot::Entity, pilot::Column::ProgramId)),
                Expr::col((pilot::Entity, pilot::Column::PilotType)),
            ])
            .in_subquery(visible_rules),
        )
    }

    /// `SELECT id FROM pilots WHERE <scope>`, for records that hang off a pilot.
    pub fn visible_pilot_ids(&self) -> SelectStatement {
        Query::select()
            .column(pilot::Column::Id)
            .from(pilot::Entity)
            .cond_where(self.pilot_scope())
            .to_owned()
    }

    /// The organisations this viewer may read.
    pub fn organization_scope(&self) -> Condition {
        if self.role == Role::Applicant {
            return match self.org {
                Some(org) => Condition::all().add(organization::Column::Id.eq(org)),
                None => nothing(),
            };
        }
        if self.role == Role::National {
            return Condition::all();
        }
        let Some(region) = &self.region else {
            return nothing();
        };
        Condition::all().add(organization_in(region))
    }

    /// The programs this viewer may read: national ones, those issued by a region above or at
    /// the viewer's, and (for provincial and municipal users) those issued inside their region;
    /// national users read every program.
    pub fn program_scope(&self) -> Condition {
        let national = program::Column::RegionCode.is_null();
        if self.role == Role::National {
            return Condition::all();
        }
        let Some(region) = &self.region else {
            return Condition::any().add(national);
        };
        let mut cond = Condition::any()
            .add(national)
            .add(program::Column::RegionCode.is_in(region.self_and_ancestors()));
        if region.level() != RegionLevel::County && self.role != Role::Applicant {
            cond = cond.add(program::Column::RegionCode.starts_with(region.descendant_prefix()));
        }
        cond
    }

    /// The regional plans this viewer may read: every version of the plans of its own region
    /// and of the regions below it (drafts included: the superior follows its cities' work);
    /// the issued and superseded versions of the plans of the regions above it, which it
    /// implements and reports on. Applicants read the issued and superseded plans of their
    /// organisation's region and the regions above; national users read every plan.
    pub fn regional_plan_scope(&self) -> Condition {
        if self.role == Role::National {
            return Condition::all();
        }
        let Some(region) = &self.region else {
            return nothing();
        };
        let published = regional_plan::Column::Status.ne(RegionalPlanStatus::Draft.as_str());
        let own_and_above = regional_plan::Column::RegionCode.is_in(region.self_and_ancestors());
        if self.role == Role::Applicant {
            return Condition::all().add(own_and_above).add(published);
        }
        Condition::any()
            .add(regional_plan::Column::RegionCode.eq(region.as_str()))
            .add(regional_plan::Column::RegionCode.starts_with(region.descendant_prefix()))
            .add(
                Condition::all()
                    .add(regional_plan::Column::RegionCode.is_in(region.self_and_ancestors()))
                    .add(published),
            )
    }

    /// The ids of the regional plans this viewer may read.
    pub fn visible_plan_ids(&self) -> SelectStatement {
        Query::select()
            .column(regional_plan::Column::Id)
            .from(regional_plan::Entity)
            .cond_where(self.regional_plan_scope())
            .to_owned()
    }
}

/// The bureau that compiles a region's carbon-peak plan and hosts its leading group's office;
/// plan work (drafting, reporting, assessing) is its, or that of users without a `dept`.
pub const PLAN_COMPILING_DEPARTMENT: &str = "development_reform";
